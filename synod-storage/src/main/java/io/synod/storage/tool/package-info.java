/**
 * Operator tools for a Synod data directory, run from the command line ({@code bin/synod-wal}).
 * They read a directory through {@link io.synod.storage.RealDisk#READ_ONLY} and never take its
 * lock, so they can inspect the directory of a running node and can never change it. Bad input gets
 * one line on stderr and a non-zero exit code, never a stack trace.
 */
package io.synod.storage.tool;
