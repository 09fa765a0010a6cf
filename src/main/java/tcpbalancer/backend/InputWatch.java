package tcpbalancer.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.impl.InboundBuffer;
import java.util.function.LongConsumer;

/**
 * Watches what arrives on an accepted socket, below Vert.x: counts the bytes read (for the stall timer) and
 * keeps the socket open when the peer shuts down its write side.
 *
 * <p>Vert.x 5 has no half-close API: Netty closes the channel at the peer's FIN unless
 * {@link ChannelOption#ALLOW_HALF_CLOSURE} is set, and then the answers to requests already read are lost. With it
 * set, Netty signals a {@link ChannelInputShutdownEvent} instead; this handler turns it into the end marker Vert.x
 * itself queues when a channel closes, so the socket's end handler runs after every byte read before the FIN, in
 * order and respecting pauses, while the socket can still write.
 */
final class InputWatch extends ChannelInboundHandlerAdapter {

  private final LongConsumer bytesRead;

  private InputWatch(LongConsumer bytesRead) {
    this.bytesRead = bytesRead;
  }

  /** Installs the watch on {@code socket}, just before Vert.x's own handler; call from its connect handler. */
  static void install(NetSocket socket, LongConsumer bytesRead) {
    ChannelHandlerContext context = ((NetSocketInternal) socket).channelHandlerContext();
    context.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    context.pipeline().addBefore("handler", "tcpbalancer-input-watch", new InputWatch(bytesRead));
  }

  @Override
  public void channelRead(ChannelHandlerContext context, Object message) {
    if (message instanceof ByteBuf bytes) {
      bytesRead.accept(bytes.readableBytes());
    }
    context.fireChannelRead(message);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext context, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      context.fireChannelRead(InboundBuffer.END_SENTINEL);
    }
    context.fireUserEventTriggered(event);
  }
}
