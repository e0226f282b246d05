/**
 * What runs functions, not what function authors write: the keyed state of one call ({@link
 * dev.eddy.sdk.runtime.CallState}) over a {@link dev.eddy.sdk.runtime.StateStore}, and an environment to delegate to
 * ({@link dev.eddy.sdk.runtime.ForwardingEnvironment}). The engine and the SDK's test kit use it; function projects do
 * not depend on it.
 */
package dev.eddy.sdk.runtime;
