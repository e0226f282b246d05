/**
 * The Avro schemas of the events Eddy's adapters produce, the Confluent wire-format serde and the schema-registry
 * client. (The schemas arrive with the schemas work; the module exists so that the build has its final shape.)
 */
package dev.eddy.schemas;
