package io.synod.common;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Exempts one method or class from the build's forbidden-API check (see build/forbidden-core.txt).
 * Every use must say, in {@link #reason()}, why the exemption cannot reach the deterministic core.
 */
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.TYPE, ElementType.FIELD})
public @interface SuppressForbidden {
  /** Why this use is safe. */
  String reason();
}
