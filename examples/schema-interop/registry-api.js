// Confluent's Node.js Schema Registry client deleting and configuring subjects in Eddy's registry: each call and
// what it answered (or the error code it failed with), one JSON object a line.
//
//   node registry-api.js <registry-url> <subject>
'use strict';

const { SchemaRegistryClient } = require('@confluentinc/schemaregistry');

const V1 = { type: 'record', name: 'Reading', fields: [{ name: 'celsius', type: 'double' }] };
const V2 = { ...V1, fields: [...V1.fields, { name: 'unit', type: 'string', default: 'Cel' }] };

async function main([url, subject]) {
  const registry = new SchemaRegistryClient({ baseURLs: [url] });
  const said = async (call, f) => {
    try {
      console.log(JSON.stringify({ call, answer: await f() }));
    } catch (error) {
      console.log(JSON.stringify({ call, error: error.errorCode ?? String(error) }));
    }
  };
  const avro = (schema) => ({ schemaType: 'AVRO', schema: JSON.stringify(schema) });
  await said('register v1', () => registry.register(subject, avro(V1)));
  await said('register v2', () => registry.register(subject, avro(V2)));
  await said('config of the subject', () => registry.getCompatibility(subject));
  await said('set the subject to FULL', () => registry.updateCompatibility(subject, 'FULL'));
  await said('config of the subject again', () => registry.getCompatibility(subject));
  await said('delete version 2 for good first', () => registry.deleteSubjectVersion(subject, 2, true));
  await said('delete version 2', () => registry.deleteSubjectVersion(subject, 2, false));
  await said('delete version 2 again', () => registry.deleteSubjectVersion(subject, 2, false));
  await said('versions', () => registry.getAllVersions(subject));
  await said('version 2, deleted ones too', async () => (await registry.getSchemaMetadata(subject, 2, true)).version);
  await said('delete version 2 for good', () => registry.deleteSubjectVersion(subject, 2, true));
  await said('delete the subject for good first', () => registry.deleteSubject(subject, true));
  await said('delete the subject', () => registry.deleteSubject(subject, false));
  await said('delete the subject again', () => registry.deleteSubject(subject, false));
  await said('subject listed', async () => (await registry.getAllSubjects()).includes(subject));
  await said('versions after', () => registry.getAllVersions(subject));
  await said('delete the subject for good', () => registry.deleteSubject(subject, true));
  await said('register v1 anew', () => registry.register(subject, avro(V1)));
  await said('versions anew', () => registry.getAllVersions(subject));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
