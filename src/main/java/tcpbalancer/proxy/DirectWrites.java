package tcpbalancer.proxy;

import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.VertxConnection;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a relayed socket write straight to its Netty channel, as Vert.x's strict thread mode does, instead of
 * through the queue that lets other threads write to it.
 *
 * <p>Every Vert.x 5 {@code NetSocket} gets an outbound queue for writes from any thread (a Netty
 * {@code MpscUnboundedArrayQueue}, whose first chunk alone is a 1,024-slot array): 4 KB of heap a socket, 8 KB a
 * proxied connection, half of its heap, whether or not a write ever waits. Vert.x writes through its direct queue
 * when the connection is built in strict thread mode, which only its HTTP server can ask for
 * ({@code HttpServerOptions.setStrictThreadMode}); this puts that same direct queue into a socket built without it.
 * Backpressure is unchanged: the socket's write queue is full when its channel is not writable, and its drain
 * handler runs when the channel is writable again. The relay writes a socket only on that socket's event loop, as the
 * direct queue requires. {@code DirectWritesTest} fails if a Vert.x upgrade takes the queue away; the relay then
 * keeps Vert.x's own queue and says so once.
 */
final class DirectWrites {

  private static final Logger log = LoggerFactory.getLogger(DirectWrites.class);

  private static final Field QUEUE;
  private static final Constructor<?> DIRECT_QUEUE;

  static {
    Field queue = null;
    Constructor<?> direct = null;
    try {
      Field field = VertxConnection.class.getDeclaredField("outboundMessageQueue");
      Constructor<?> constructor = Class.forName(VertxConnection.class.getName() + "$DirectOutboundMessageQueue")
        .getDeclaredConstructor(VertxConnection.class);
      field.setAccessible(true);
      constructor.setAccessible(true);
      queue = field;
      direct = constructor;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("Relayed sockets keep Vert.x's outbound queue (8 KB of heap a connection): {}", e.toString());
    }
    QUEUE = queue;
    DIRECT_QUEUE = direct;
  }

  private DirectWrites() {
  }

  /**
   * Gives {@code socket} the direct queue; call on its event loop before anything is written to it, and write to it
   * only on that event loop afterwards. Returns whether it did (not for a socket of another event loop).
   */
  static boolean install(NetSocket socket) {
    if (QUEUE == null || !(socket instanceof VertxConnection connection)
      || !((NetSocketInternal) socket).channelHandlerContext().executor().inEventLoop()) {
      return false;
    }
    try {
      QUEUE.set(connection, DIRECT_QUEUE.newInstance(connection));
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("Socket keeps Vert.x's outbound queue: {}", e.toString());
      return false;
    }
  }
}
