package tcpbalancer.proxy.requests;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.MessageWrite;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.spi.metrics.Metrics;
import java.util.concurrent.Executor;

/**
 * Writes whole frames (Netty buffers whose reference the write takes over) to one socket of request mode, through
 * Vert.x's outbound queue as {@code NetSocket.write} does, so order and backpressure ({@code writeQueueFull}, the
 * drain handler) are Vert.x's; but a write made while its instance handles a read is flushed with the others of
 * the event loop's pass over its ready sockets ({@link FlushBatch}), not at once. A write that had to wait in
 * Vert.x's queue (the socket was not writable) is written when the queue drains, and flushed by Vert.x as any other.
 * What cannot be written is released: by Netty when the write fails, here when Vert.x's queue drops it (the socket
 * closed). Used on the socket's event loop.
 */
final class FrameWriter {

  private final VertxConnection connection;
  private final ChannelHandlerContext context;
  private final FlushBatch batch;
  /** Vert.x's kind of void promise: a failed write is released and not reported through the pipeline. */
  private final ChannelPromise noPromise;
  private boolean flushPending;

  FrameWriter(NetSocket socket, FlushBatch batch) {
    this.connection = (VertxConnection) socket;
    this.context = ((NetSocketInternal) socket).channelHandlerContext();
    this.batch = batch;
    this.noPromise = new VoidChannelPromise(context.channel(), false);
  }

  /** Writes {@code frame}, taking over its reference. */
  void write(ByteBuf frame) {
    connection.writeToChannel(new Write(frame));
  }

  /** The allocator of the socket's channel, for the frames written here. */
  ByteBufAllocator alloc() {
    return context.alloc();
  }

  /** The event loop of the socket, where {@link FlushBatch} runs its flushes. */
  Executor executor() {
    return context.executor();
  }

  void flushNow() {
    flushPending = false;
    context.flush();
  }

  private final class Write implements MessageWrite {
    private final ByteBuf frame;

    Write(ByteBuf frame) {
      this.frame = frame;
    }

    @Override
    public void write() {
      if (batch.active()) {
        if (Metrics.METRICS_ENABLED) {
          connection.reportsBytesWritten(frame); // as Vert.x's own write does: vertx_net_*_bytes_written
        }
        context.write(frame, noPromise);
        if (!flushPending) {
          flushPending = true;
          batch.flushLater(FrameWriter.this);
        }
      } else {
        connection.write(frame, false, noPromise); // flushed now, or by Vert.x at the end of its own read or drain
      }
    }

    @Override
    public void cancel(Throwable cause) {
      ReferenceCountUtil.safeRelease(frame);
    }
  }
}
