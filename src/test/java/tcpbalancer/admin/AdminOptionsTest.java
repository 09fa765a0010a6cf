package tcpbalancer.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tcpbalancer.config.ConfigException;
import tcpbalancer.launcher.TcpBalancerApplication;

/** The admin key: off when absent, loopback by default, and no other address without a token. */
class AdminOptionsTest {

  private static AdminOptions read(JsonObject admin, Map<String, String> environment) {
    return AdminOptions.fromJson(admin, "config.admin", 9090, environment);
  }

  @Test
  void absentIsOffAndTheHostIsLoopbackByDefault() {
    assertThat(AdminOptions.fromJson(null, "config.admin", 9090, Map.of())).isNull();
    AdminOptions options = read(new JsonObject().put("port", 9190), Map.of());
    assertThat(options).isEqualTo(new AdminOptions("127.0.0.1", 9190, null));
    assertThat(options.requiresToken()).isFalse();
  }

  @Test
  void aNonLoopbackHostWithoutATokenIsRefusedWithTheRule() {
    assertThatThrownBy(() -> read(new JsonObject().put("host", "0.0.0.0").put("port", 8404), Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessage("config.admin.host: 0.0.0.0 is not a loopback address: set admin.token (or "
        + "TCPBALANCER_ADMIN_TOKEN, or --admin-token) so that /api needs it");
    assertThatThrownBy(() -> read(new JsonObject().put("host", "10.0.0.5").put("port", 8404),
      Map.of(AdminOptions.TOKEN_VARIABLE, " ")))
      .as("a blank variable is no token").isInstanceOf(ConfigException.class);
  }

  @Test
  void theTokenComesFromTheConfigElseTheEnvironment() {
    JsonObject anywhere = new JsonObject().put("host", "0.0.0.0").put("port", 8404);
    assertThat(read(anywhere, Map.of(AdminOptions.TOKEN_VARIABLE, "from-env")).token()).isEqualTo("from-env");
    assertThat(read(anywhere.copy().put("token", "from-config"), Map.of(AdminOptions.TOKEN_VARIABLE, "from-env"))
      .token()).isEqualTo("from-config");
  }

  @Test
  void loopbackIsDecidedFromTheAddressText() {
    assertThat(AdminOptions.isLoopback("127.0.0.1")).isTrue();
    assertThat(AdminOptions.isLoopback("127.1.2.3")).isTrue();
    assertThat(AdminOptions.isLoopback("localhost")).isTrue();
    assertThat(AdminOptions.isLoopback("::1")).isTrue();
    assertThat(AdminOptions.isLoopback("[::1]")).isTrue();
    assertThat(AdminOptions.isLoopback("0.0.0.0")).isFalse();
    assertThat(AdminOptions.isLoopback("::")).isFalse();
    assertThat(AdminOptions.isLoopback("192.168.1.1")).isFalse();
    assertThat(AdminOptions.isLoopback("admin.example.com")).as("names are not looked up").isFalse();
  }

  @Test
  void badValuesNameTheField() {
    assertThatThrownBy(() -> read(new JsonObject(), Map.of()))
      .hasMessage("config.admin.port: required (the admin endpoint's port)");
    assertThatThrownBy(() -> read(new JsonObject().put("port", 9090), Map.of()))
      .hasMessage("config.admin.port: must differ from the server's own port, got 9090");
    assertThatThrownBy(() -> read(new JsonObject().put("port", 9190).put("tokn", "x"), Map.of()))
      .hasMessageStartingWith("config.admin.tokn: unknown key");
    assertThatThrownBy(() -> AdminOptions.fromJson("9190", "config.admin", 9090, Map.of()))
      .hasMessageStartingWith("config.admin: must be an object");
  }

  @Test
  void theTokenNeverShowsInTheOptionsText() {
    assertThat(new AdminOptions("0.0.0.0", 8404, "s3cret").toString()).doesNotContain("s3cret");
  }

  @Test
  void metricsAreOnWhenAVerticleOfThePlanOrAnOverrideHasAnAdminEndpoint() {
    JsonObject withAdmin = new JsonObject().put("verticles", new JsonObject()
      .put("workers", new JsonObject().put("verticle", "resize-worker"))
      .put("proxy", new JsonObject().put("config", new JsonObject().put("admin", new JsonObject().put("port", 1)))));
    JsonObject without = new JsonObject().put("verticles", new JsonObject()
      .put("proxy", new JsonObject().put("config", new JsonObject().put("port", 9090))));
    assertThat(TcpBalancerApplication.hasAdminEndpoint(withAdmin, Set.of(), Set.of())).isTrue();
    assertThat(TcpBalancerApplication.hasAdminEndpoint(without, Set.of("PATH"), Set.of("user.dir"))).isFalse();
    assertThat(TcpBalancerApplication.hasAdminEndpoint(without, Set.of("verticles.proxy.config.admin.port"), Set.of()))
      .isTrue();
    assertThat(TcpBalancerApplication.hasAdminEndpoint(without, Set.of(), Set.of("verticles.b.config.admin")))
      .isTrue();
  }
}
