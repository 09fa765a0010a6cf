package tcpbalancer.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The one shape of every error the admin endpoint answers: {@code {"error": "...", "field": "..."}}, where
 * {@code field} names what of the request is at fault (a header, a parameter, a key of the body) and is left out
 * when nothing in particular is.
 */
public final class JsonError {

  private JsonError() {
  }

  public static JsonObject body(String error, String field) {
    JsonObject body = new JsonObject().put("error", error);
    if (field != null) {
      body.put("field", field);
    }
    return body;
  }

  /** Answers {@code status} with the error as JSON and ends the request. */
  public static Future<Void> send(RoutingContext context, int status, String error, String field) {
    return context.response().setStatusCode(status).putHeader("Content-Type", "application/json")
      .end(body(error, field).encode());
  }
}
