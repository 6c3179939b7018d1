package io.synod.server.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CallerLoopTest {
  private final ExecutorService pool =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "pool"));

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void offAnEventLoopItIsTheFallback() {
    assertThat(CallerLoop.current()).isNull();
    assertThat(CallerLoop.currentOr(pool)).isSameAs(pool);
  }

  @Test
  void onAnEventLoopWorkRunsThereAndGoesToTheFallbackOnceTheLoopIsClosed() throws Exception {
    DefaultEventLoop eventLoop = new DefaultEventLoop();
    Executor captured =
        eventLoop.submit(() -> CallerLoop.currentOr(pool)).get(10, TimeUnit.SECONDS);
    Thread loopThread = eventLoop.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);

    CompletableFuture<Thread> ranOn = new CompletableFuture<>();
    captured.execute(() -> ranOn.complete(Thread.currentThread()));
    assertThat(ranOn.get(10, TimeUnit.SECONDS)).isSameAs(loopThread);

    eventLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    CompletableFuture<String> afterClose = new CompletableFuture<>();
    captured.execute(() -> afterClose.complete(Thread.currentThread().getName())); // never throws
    assertThat(afterClose.get(10, TimeUnit.SECONDS)).isEqualTo("pool");
  }
}
