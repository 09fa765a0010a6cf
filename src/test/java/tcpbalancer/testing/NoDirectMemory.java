package tcpbalancer.testing;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * Fails every write on a socket as Netty does when it finds no direct memory to copy a heap buffer into, while the
 * connection stays open: the fault of a long client run whose direct memory had filled up.
 */
public final class NoDirectMemory extends ChannelOutboundHandlerAdapter {

  /** The message of every failed write. */
  public static final String MESSAGE = "Cannot reserve 1754742 bytes of direct buffer memory";

  private NoDirectMemory() {
  }

  /** From now on, every write on {@code socket} fails. */
  public static void install(NetSocket socket) {
    ((NetSocketInternal) socket).channelHandlerContext().pipeline().addFirst(new NoDirectMemory());
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ReferenceCountUtil.release(msg);
    promise.setFailure(new OutOfMemoryError(MESSAGE));
  }
}
