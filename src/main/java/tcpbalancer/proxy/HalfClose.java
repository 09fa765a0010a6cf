package tcpbalancer.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * TCP half-close for the relay, which Vert.x's public API does not have: a socket stays open when its peer shuts
 * down its writing half, and the relay can shut down the writing half of the other socket.
 *
 * <p>Netty closes a channel at the peer's FIN unless {@link ChannelOption#ALLOW_HALF_CLOSURE} is set; with it set,
 * it signals a {@link ChannelInputShutdownEvent}. This handler, placed just before Vert.x's own, turns that event
 * into the message {@link #INPUT_ENDED}, read like the bytes before it: so a paused socket delivers it after
 * every byte that came before the FIN, in order. {@code HalfCloseTest} fails if a Vert.x upgrade breaks this.
 */
final class HalfClose extends ChannelInboundHandlerAdapter {

  /** What a socket's message handler reads after the last byte its peer sent before its FIN. */
  static final Object INPUT_ENDED = new Object() {
    @Override
    public String toString() {
      return "input ended";
    }
  };

  private static final String NAME = "tcpbalancer-half-close";
  private static final HalfClose INSTANCE = new HalfClose();

  private HalfClose() {
  }

  @Override
  public boolean isSharable() {
    return true; // it holds no state
  }

  /** Keeps {@code socket} open at its peer's FIN; call on its event loop before anything is read from it. */
  static void install(NetSocket socket) {
    ChannelHandlerContext context = ((NetSocketInternal) socket).channelHandlerContext();
    context.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    context.pipeline().addBefore("handler", NAME, INSTANCE);
  }

  /**
   * Shuts down the writing half of {@code socket} (its peer reads the end) once everything written to it before
   * is flushed; it can still read. Call on its event loop.
   */
  static Future<Void> shutdownOutput(NetSocket socket) {
    NetSocketInternal raw = (NetSocketInternal) socket;
    DuplexChannel channel = (DuplexChannel) raw.channelHandlerContext().channel();
    Promise<Void> done = Promise.promise(); // completed on the socket's event loop
    // An empty write completes once the writes queued before it are flushed to the kernel.
    raw.writeMessage(Unpooled.EMPTY_BUFFER).onComplete(flushed -> {
      if (flushed.failed()) {
        done.fail(flushed.cause());
        return;
      }
      channel.shutdownOutput().addListener(shut -> {
        if (shut.isSuccess()) {
          done.complete();
        } else {
          done.fail(shut.cause());
        }
      });
    });
    return done.future();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext context, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      context.fireChannelRead(INPUT_ENDED);
      // Netty signalled the read's completion before this event: Vert.x would think the read still goes on and
      // hold back the flush of what is written to this socket from now on.
      context.fireChannelReadComplete();
    }
    context.fireUserEventTriggered(event);
  }
}
