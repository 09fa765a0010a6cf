package tcpbalancer.proxy;

import io.vertx.core.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * HAProxy's {@code balance source}: the client's IP address (not its port, which changes with each connection)
 * picks the upstream, so a client keeps landing on the same one. It is weighted rendezvous hashing (Thaler and
 * Ravishankar's highest random weight, with Schindelhauer and Schomaker's weighting): every candidate scores
 * {@code -weight / ln(h)}, where {@code h} in (0, 1) comes from a SHA-256 of the client and the upstream, and the
 * highest score wins. A client's scores do not depend on the other upstreams, so adding or removing one moves only
 * the clients whose best it is, about its share of weight; an upstream that is down or full is not a candidate,
 * and its clients go to their second best.
 */
final class SourceHash implements BalancingStrategy {

  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  });

  @Override
  public UpstreamState choose(List<UpstreamState> candidates, SocketAddress client) {
    if (client == null) {
      return BalancingStrategy.weightedRandom(candidates); // nothing to be sticky to
    }
    byte[] source = sourceOf(client);
    UpstreamState best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (UpstreamState candidate : candidates) {
      double score = -candidate.effectiveWeight() / Math.log(unitHash(source, candidate.upstream().address()));
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    return best;
  }

  /** The client's IP address (its host name or path when it has none), with a separator after it. */
  private static byte[] sourceOf(SocketAddress client) {
    String source = client.hostAddress() != null ? client.hostAddress()
      : client.host() != null ? client.host() : String.valueOf(client.path());
    return (source + "|").getBytes(StandardCharsets.UTF_8);
  }

  /** A number in the open interval (0, 1), uniform over clients and upstreams, the same for the same pair. */
  private static double unitHash(byte[] source, String upstream) {
    MessageDigest digest = SHA_256.get();
    digest.update(source);
    byte[] hash = digest.digest(upstream.getBytes(StandardCharsets.UTF_8));
    long bits = ByteBuffer.wrap(hash).getLong() >>> 11; // 53 bits: as many as a double holds exactly
    return (bits + 0.5) / (1L << 53);
  }
}
