package tcpbalancer.testing;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** A ReadStream the test feeds by hand, recording whether its reader paused it (a fetch counts as resuming). */
public final class FedReadStream implements ReadStream<Buffer> {

  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private boolean paused;

  /** Hands {@code bytes} to the reader, paused or not, as a socket's read would. */
  public void feed(Buffer bytes) {
    handler.handle(bytes);
  }

  public void end() {
    endHandler.handle(null);
  }

  public boolean paused() {
    return paused;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    this.handler = handler;
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    paused = true;
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    paused = false;
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    paused = false;
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }
}
