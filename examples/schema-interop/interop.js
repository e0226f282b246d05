// Confluent's Node.js Schema Registry client, talking to Eddy's embedded registry, writing and reading records in
// the Confluent wire format that Eddy's Java serde reads and writes.
//
//   node interop.js <registry-url> <subject> write <schema.avsc> <record.json>   prints the framed bytes, base64
//   node interop.js <registry-url> <subject> read <base64>                       prints the record as JSON
'use strict';

const fs = require('node:fs');
const { SchemaRegistryClient, SerdeType, AvroSerializer, AvroDeserializer } = require('@confluentinc/schemaregistry');

async function main([url, subject, mode, ...rest]) {
  const registry = new SchemaRegistryClient({ baseURLs: [url] });
  const topic = subject.replace(/-value$/, '');
  if (mode === 'write') {
    const [schemaFile, recordFile] = rest;
    await registry.register(subject, { schemaType: 'AVRO', schema: fs.readFileSync(schemaFile, 'utf8') });
    const serializer = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true });
    const bytes = await serializer.serialize(topic, JSON.parse(fs.readFileSync(recordFile, 'utf8')));
    console.log(Buffer.from(bytes).toString('base64'));
  } else if (mode === 'read') {
    const deserializer = new AvroDeserializer(registry, SerdeType.VALUE, {});
    const record = await deserializer.deserialize(topic, Buffer.from(rest[0], 'base64'));
    console.log(JSON.stringify(record, (key, value) => (typeof value === 'bigint' ? Number(value) : value)));
  } else {
    throw new Error(`mode '${mode}': write or read`);
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
