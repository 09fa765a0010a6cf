package tcpbalancer.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class EventBusCodecsTest {

  private static final ResizeRequest REQUEST = new ResizeRequest("été.jpg", "jpeg", 200, 150, ResizeMode.EXACT,
    false, Buffer.buffer(new byte[] {1, 2, 3, 4, 5}));
  private static final ResizeResponse RESPONSE = new ResizeResponse(Status.OK, 200, 133, 12_345, "png", "",
    "photo.png", "", Buffer.buffer(new byte[] {9, 8, 7}));

  @Test
  void aLocalWorkerReceivesTheRecordItselfAndItsReplyComesBackTheSame(Vertx vertx, VertxTestContext test) {
    EventBusCodecs.register(vertx);
    EventBusCodecs.register(vertx); // a second registration is harmless
    vertx.eventBus().<ResizeRequest>consumer("codecs.test", message -> {
      test.verify(() -> assertThat(message.body()).isSameAs(REQUEST));
      message.reply(RESPONSE);
    }).completion()
      .compose(v -> vertx.eventBus().<ResizeResponse>request("codecs.test", REQUEST))
      .onComplete(test.succeeding(reply -> test.verify(() -> {
        assertThat(reply.body()).isSameAs(RESPONSE);
        test.completeNow();
      })));
  }

  @Test
  void acrossTheClusterARequestTravelsAsItsProtocolBody() {
    Buffer wire = Buffer.buffer("headers before the body");
    int position = wire.length();
    EventBusCodecs.REQUEST.encodeToWire(wire, REQUEST);
    wire.appendString("and whatever follows");

    assertThat(wire.getInt(position)).isEqualTo(REQUEST.encode().length());
    assertThat(wire.getBuffer(position + 4, position + 4 + REQUEST.encode().length())).isEqualTo(REQUEST.encode());
    ResizeRequest decoded = EventBusCodecs.REQUEST.decodeFromWire(position, wire);
    assertThat(decoded.image()).isEqualTo(REQUEST.image());
    assertThat(decoded).isEqualTo(REQUEST);
  }

  @Test
  void acrossTheClusterAResponseTravelsAsItsProtocolBody() {
    Buffer wire = Buffer.buffer().appendInt(42);
    EventBusCodecs.RESPONSE.encodeToWire(wire, RESPONSE);

    assertThat(wire.getBuffer(8, wire.length())).isEqualTo(RESPONSE.encode());
    assertThat(EventBusCodecs.RESPONSE.decodeFromWire(4, wire)).isEqualTo(RESPONSE);
  }
}
