/**
 * Sequential specifications for {@link io.synod.lincheck.LinearizabilityChecker}: {@link
 * io.synod.lincheck.model.RegisterModel} (one register with compare-and-set), {@link
 * io.synod.lincheck.model.KvModel} (a map, checked one key at a time) and {@link
 * io.synod.lincheck.model.LockModel} (a mutex with fencing tokens). Each is a stateless singleton
 * whose states are immutable values with content equality, and whose step function is
 * deterministic: for an operation with an unknown outcome it picks the outcome that changes the
 * state, since the checker covers "no effect" by leaving the operation out.
 */
package io.synod.lincheck.model;
