package tcpbalancer.launcher;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import tcpbalancer.admin.AdminOptions;
import tcpbalancer.config.Addresses;
import tcpbalancer.config.ConfigException;

/** The admin endpoint's flags, which the proxy and the backend share: they become the server's {@code admin} key. */
final class AdminFlags {

  @Option(names = "--admin", paramLabel = "HOST:PORT",
    description = "serve /health, /ready, /metrics and /api over HTTP on this address (default: off); a host other "
      + "than loopback needs a token")
  String address;

  @Option(names = "--admin-token", paramLabel = "TOKEN",
    description = "the bearer token /api requests must carry (default: $" + AdminOptions.TOKEN_VARIABLE + "; "
      + "prefer it: a flag shows in the process list)")
  String token;

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  /** The {@code admin} key these flags stand for, or null when the endpoint is off. */
  JsonObject toConfig() {
    if (address == null) {
      if (token != null) {
        throw new ParameterException(spec.commandLine(), "--admin-token: give --admin HOST:PORT too");
      }
      return null;
    }
    HostAndPort parsed;
    try {
      parsed = Addresses.parse(address, "--admin");
    } catch (ConfigException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    JsonObject admin = new JsonObject().put("host", parsed.host()).put("port", parsed.port());
    if (token != null) {
      admin.put("token", token);
    }
    return admin;
  }
}
