/**
 * Building blocks every Synod module shares: {@link io.synod.common.Bytes}, an immutable byte
 * string; {@link io.synod.common.Assert}, always-on invariant checks; {@link
 * io.synod.common.Clock}, the only source of time; and {@link io.synod.common.Buggify}, fault
 * points that fire only in simulation. Nothing here keeps global state, so the simulator can run
 * many clusters in one JVM.
 */
package io.synod.common;
