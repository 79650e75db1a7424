package io.windowgate.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import org.junit.jupiter.api.Test;

class AnswerMaskTest {

    private final AnswerMask mask = new AnswerMask();

    private static User caller(String... scopes) {
        return User.create(new JsonObject().put("username", "api").put("scopes", new JsonArray(List.of(scopes))));
    }

    private static Map<String, Object> status() {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", 131026);
        error.put("details", "14155550123 is not a WhatsApp user");
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", "15550001111");
        view.put("to", "+14155550123");
        view.put("createdAt", "2026-12-04T20:19:52.751Z");
        view.put("lastError", error);
        return view;
    }

    @Test
    void theAdminSeesNumbersInFull() {
        assertThat(mask.apply(status(), caller("admin", "crm"))).isEqualTo(status());
    }

    @SuppressWarnings("unchecked")
    @Test
    void everyoneElseSeesThemMaskedAndTheRestUnchanged() {
        for (Object caller : new Object[] {caller("read"), caller("crm"), null, "admin"}) {
            Map<String, Object> seen = (Map<String, Object>) mask.apply(status(), caller);
            assertThat(seen.get("to")).as(String.valueOf(caller)).isEqualTo("+14*******23");
            assertThat(((Map<String, Object>) seen.get("lastError")).get("details"))
                    .isEqualTo("141******23 is not a WhatsApp user");
            assertThat(((Map<String, Object>) seen.get("lastError")).get("code")).isEqualTo(131026);
            assertThat(seen.get("id")).isEqualTo("15550001111");
            assertThat(seen.get("createdAt")).isEqualTo("2026-12-04T20:19:52.751Z");
        }
    }

    @SuppressWarnings("unchecked")
    @Test
    void masksQuotedInputInListsOfRejections() {
        Map<String, Object> rejection = new LinkedHashMap<>();
        rejection.put("reference", "page-7");
        rejection.put("item", "{\"id\":\"x\",\"to\":\"+14155550123\"}");
        rejection.put("reason", "recipient '+1415555012' is not a valid phone number");
        Map<String, Object> seen = (Map<String, Object>) mask.apply(Map.of("rejections", List.of(rejection)),
                caller("read"));
        Map<String, Object> first = ((List<Map<String, Object>>) seen.get("rejections")).get(0);
        assertThat(first.get("item")).isEqualTo("{\"id\":\"x\",\"to\":\"+14*******23\"}");
        assertThat(first.get("reason")).isEqualTo("recipient '+14******12' is not a valid phone number");
        assertThat(first.get("reference")).isEqualTo("page-7");
        assertThat(mask.apply(null, caller("read"))).isNull();
    }
}
