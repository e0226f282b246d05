/**
 * What a function author writes against: a {@link dev.eddy.sdk.Handler} receives each {@link dev.eddy.sdk.Event}
 * with a {@link dev.eddy.sdk.Context} through which it emits new events to its outputs.
 *
 * <p>This package depends on the JDK alone. Nothing here names Kafka: the same handler runs on the engine, in a
 * unit test, or behind any other transport the engine speaks.
 */
package dev.eddy.sdk;
