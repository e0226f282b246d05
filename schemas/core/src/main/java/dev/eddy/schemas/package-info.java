/**
 * The Avro schemas of the events Eddy's adapters produce ({@link dev.eddy.schemas.events}, generated from
 * {@code src/main/avro}), the rule they evolve by ({@link dev.eddy.schemas.EventSchemas}) and the Confluent
 * wire-format serde ({@link dev.eddy.schemas.serde}).
 */
package dev.eddy.schemas;
