/**
 * The client port: gRPC (h2c) and HTTP/1.1 on one listen address, chosen per connection by peeking
 * at the HTTP/2 preface; etcd's keepalive enforcement and message size limits; the health service,
 * {@code /version} and {@code /health}; the router the JSON gateway will plug into.
 */
package io.synod.server.client;
