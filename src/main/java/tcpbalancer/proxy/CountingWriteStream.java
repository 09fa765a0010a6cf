package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.util.function.LongConsumer;

/** A write stream that reports the size of every buffer written through it, for the byte counters. */
final class CountingWriteStream implements WriteStream<Buffer> {

  private final WriteStream<Buffer> delegate;
  private final LongConsumer counter;

  CountingWriteStream(WriteStream<Buffer> delegate, LongConsumer counter) {
    this.delegate = delegate;
    this.counter = counter;
  }

  @Override
  public Future<Void> write(Buffer data) {
    counter.accept(data.length());
    return delegate.write(data);
  }

  @Override
  public Future<Void> end() {
    return delegate.end();
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    delegate.exceptionHandler(handler);
    return this;
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    delegate.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return delegate.writeQueueFull();
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    delegate.drainHandler(handler);
    return this;
  }
}
