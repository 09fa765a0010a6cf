package tcpbalancer.proxy.requests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameHeader;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;
import tcpbalancer.testing.FedReadStream;

/** FrameStream passes on every header and every body byte in order, however the reads cut them. */
class FrameStreamTest {

  /** Rebuilds the frames a stream passes on. */
  private static class Collector implements FrameStream.Listener {
    final List<Frame> frames = new ArrayList<>();
    final List<StatusException> errors = new ArrayList<>();
    private FrameHeader header;
    private Buffer body;

    @Override
    public void header(FrameHeader header, Buffer bodyStart) {
      this.header = header;
      this.body = Buffer.buffer().appendBuffer(bodyStart);
      FrameStream.release(bodyStart); // the listener owns each piece
      if (body.length() == header.bodySize()) {
        frames.add(new Frame(header.type(), header.requestId(), body));
      }
    }

    @Override
    public void body(Buffer piece, boolean last) {
      body.appendBuffer(piece);
      FrameStream.release(piece);
      assertThat(body.length() == header.bodySize()).isEqualTo(last);
      if (last) {
        frames.add(new Frame(header.type(), header.requestId(), body));
      }
    }

    @Override
    public void error(StatusException e) {
      errors.add(e);
    }
  }

  private static List<Frame> frames() {
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] body = new byte[i * 17];
      for (int j = 0; j < body.length; j++) {
        body[j] = (byte) (i * 7 + j);
      }
      frames.add(new Frame(FrameType.RESIZE_REQUEST, i + 1, Buffer.buffer(body)));
    }
    return frames;
  }

  @Test
  void framesComeOutWholeWhateverTheReadSizes() {
    List<Frame> frames = frames();
    Buffer bytes = Buffer.buffer();
    frames.forEach(frame -> bytes.appendBuffer(frame.encode()));
    for (int readSize = 1; readSize <= bytes.length(); readSize++) {
      FedReadStream stream = new FedReadStream();
      Collector collector = new Collector();
      new FrameStream(stream, 1024, collector);
      for (int at = 0; at < bytes.length(); at += readSize) {
        stream.feed(bytes.slice(at, Math.min(bytes.length(), at + readSize)));
      }
      assertThat(collector.frames).as("reads of %d bytes", readSize).isEqualTo(frames);
      assertThat(collector.errors).isEmpty();
    }
  }

  @Test
  void pausedItKeepsTheRestOfTheReadUntilResumed() {
    List<Frame> frames = frames();
    Buffer bytes = Buffer.buffer();
    frames.forEach(frame -> bytes.appendBuffer(frame.encode()));
    FedReadStream stream = new FedReadStream();
    List<FrameStream> self = new ArrayList<>();
    Collector collector = new Collector() {
      @Override
      public void header(FrameHeader header, Buffer bodyStart) {
        super.header(header, bodyStart);
        self.get(0).pause(); // after every header
      }
    };
    self.add(new FrameStream(stream, 1024, collector));

    stream.feed(bytes); // everything in one read
    for (int i = 1; i < frames.size(); i++) {
      assertThat(collector.frames).hasSize(i);
      assertThat(stream.paused()).isTrue();
      self.get(0).resume();
    }
    assertThat(collector.frames).isEqualTo(frames);
  }

  @Test
  void aBadHeaderIsReportedOnceAndNothingComesAfter() {
    FedReadStream stream = new FedReadStream();
    Collector collector = new Collector();
    new FrameStream(stream, 10, collector);
    stream.feed(new Frame(FrameType.RESIZE_REQUEST, 1, Buffer.buffer(new byte[11])).encode());
    stream.feed(new Frame(FrameType.RESIZE_REQUEST, 2, Buffer.buffer(new byte[1])).encode());

    assertThat(collector.errors).hasSize(1);
    assertThat(collector.errors.get(0).status()).isEqualTo(Status.FRAME_TOO_LARGE);
    assertThat(collector.frames).isEmpty();
  }
}
