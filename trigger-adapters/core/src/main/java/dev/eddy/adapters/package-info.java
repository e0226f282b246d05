/**
 * Trigger adapters: one package per source (MQTT, HTTP, log files, PostgreSQL change data capture, timers), each
 * publishing to Kafka through one shared publisher.
 */
package dev.eddy.adapters;
