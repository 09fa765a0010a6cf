package tcpbalancer.protocol;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.shareddata.LocalMap;
import java.util.function.Function;

/**
 * Event bus codecs for {@link ResizeRequest} and {@link ResizeResponse}, so a backend and its resize workers pass
 * the records themselves: a worker of the same Vert.x gets the very record the backend decoded (no copy, no
 * second decode), and a worker on another node gets the protocol's own body bytes, decoded once there.
 */
public final class EventBusCodecs {

  /** Marks a Vert.x whose event bus has the codecs: the event bus refuses a second registration. */
  private static final String REGISTERED = "tcpbalancer.protocol.event-bus-codecs";

  static final MessageCodec<ResizeRequest, ResizeRequest> REQUEST =
    new BodyCodec<>("tcpbalancer.resize-request", ResizeRequest::encode, ResizeRequest::decode);
  static final MessageCodec<ResizeResponse, ResizeResponse> RESPONSE =
    new BodyCodec<>("tcpbalancer.resize-response", ResizeResponse::encode, ResizeResponse::decode);

  private EventBusCodecs() {
  }

  /** Registers the codecs as the default ones for the two records; harmless when they are registered already. */
  public static void register(Vertx vertx) {
    // One lock for the check and the registration: verticles start on several threads at once.
    synchronized (EventBusCodecs.class) {
      LocalMap<String, Boolean> registered = vertx.sharedData().getLocalMap(REGISTERED);
      if (registered.get(REGISTERED) != null) {
        return;
      }
      EventBus eventBus = vertx.eventBus();
      eventBus.registerDefaultCodec(ResizeRequest.class, REQUEST);
      eventBus.registerDefaultCodec(ResizeResponse.class, RESPONSE);
      registered.put(REGISTERED, true);
    }
  }

  /** A record as its frame body, length-prefixed inside the event bus's buffer. */
  private static final class BodyCodec<T> implements MessageCodec<T, T> {

    private final String name;
    private final Function<T, Buffer> encoder;
    private final Function<Buffer, T> decoder;

    BodyCodec(String name, Function<T, Buffer> encoder, Function<Buffer, T> decoder) {
      this.name = name;
      this.encoder = encoder;
      this.decoder = decoder;
    }

    @Override
    public void encodeToWire(Buffer buffer, T value) {
      Buffer body = encoder.apply(value);
      buffer.appendInt(body.length()).appendBuffer(body);
    }

    /** The image is a slice of the event bus's buffer, not a copy. */
    @Override
    public T decodeFromWire(int position, Buffer buffer) {
      int start = position + Integer.BYTES;
      return decoder.apply(buffer.slice(start, start + buffer.getInt(position)));
    }

    /** Delivered in the same Vert.x: records are immutable and their buffers only read, so no copy is needed. */
    @Override
    public T transform(T value) {
      return value;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
