package tcpbalancer.proxy.requests;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.ReadStream;

/**
 * A socket's reads as the buffers Netty read them into, each handed over with one reference its handler owns
 * (and must release). The public {@link NetSocket#handler} copies every read into a heap buffer, which a write
 * then copies back into direct memory, and the heap garbage costs the collector: for a proxy relaying image
 * bodies those two copies were most of its CPU per request. Pause and resume are the socket's own (reads that
 * were in flight when it paused wait in Vert.x's queue, as Netty buffers, until it resumes). Each read is handled
 * within its instance's {@link FlushBatch}: what the handler writes is flushed once per socket after the pass.
 */
final class RawReads implements ReadStream<Buffer> {

  /** Releases what a socket reads before it has a reader (it is paused, so only what was in flight). */
  static final Handler<Object> DISCARD = ReferenceCountUtil::release;

  /**
   * Reads of up to 256 KiB (Netty's default stops at 64 KiB): an image body of a few MB comes in a quarter of the
   * reads, each one handler call and one write on. Adaptive, so an idle or chatty socket still reads small.
   */
  private static final AdaptiveRecvByteBufAllocator LARGE_READS = new AdaptiveRecvByteBufAllocator(64, 2048,
    256 * 1024);

  private final NetSocketInternal socket;
  private final FlushBatch batch;

  RawReads(NetSocket socket, FlushBatch batch) {
    this.socket = (NetSocketInternal) socket;
    this.batch = batch;
    this.socket.channelHandlerContext().channel().config().setRecvByteBufAllocator(LARGE_READS);
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    socket.messageHandler(handler == null ? null : message -> {
      if (message instanceof ByteBuf bytes) {
        batch.begin();
        try {
          handler.handle(BufferInternal.buffer(bytes));
        } finally {
          batch.end();
        }
      } else {
        ReferenceCountUtil.release(message);
      }
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    socket.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    socket.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    socket.fetch(amount);
    return this;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    socket.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    socket.endHandler(endHandler);
    return this;
  }
}
