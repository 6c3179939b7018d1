package io.synod.server.client;

import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 request on the client port, and the way to answer it: once with {@link #respond}, or
 * as a stream of chunks ({@link #startChunked}; the JSON gateway's watch and keep-alive streams).
 * Answering is safe from any thread and never blocks; the connection reads no further request until
 * this one is answered, so responses stay in order.
 */
public interface HttpCall {
  /** GET, POST, ... */
  String method();

  /** The path, without the query string. */
  String path();

  /** The raw query string, or "". */
  String query();

  /** A request header, or null. */
  String header(String name);

  /** The request body (already bounded by the receive limit). */
  byte[] body();

  /** Adds a header to the answer (call before answering; e.g. CORS headers). */
  void addResponseHeader(String name, String value);

  /** Answers with a whole body. */
  void respond(int status, String contentType, byte[] body);

  /** Answers with a JSON body. */
  default void respondJson(int status, String json) {
    respond(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  /** Starts a chunked answer; the caller writes chunks and ends it. */
  ChunkedResponse startChunked(int status, String contentType);

  /** A chunked answer in progress. */
  interface ChunkedResponse {
    /** Sends one chunk (for the gateway: one newline-terminated JSON object). */
    void write(byte[] chunk);

    /** Ends the answer. */
    void end();

    /** False once the client went away. */
    boolean isOpen();

    /**
     * Runs {@code action} once the connection closes (at once if it already has), on a Netty
     * thread: a streaming answer learns that its client went away.
     */
    void onClose(Runnable action);
  }
}
