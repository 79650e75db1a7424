package io.windowgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import io.vertx.core.http.HttpMethod;
import io.windowgate.http.ApiTokens.Scope;
import org.junit.jupiter.api.Test;

class ApiTokensTest {

    private final ApiTokens tokens = new ApiTokens(" admin-1 ,admin-2,", "shared,crm-1", "shared");

    @Test
    void aTokenCarriesEveryScopeItIsConfiguredFor() {
        assertThat(tokens.scopesOf("Bearer admin-1")).containsExactly(Scope.ADMIN);
        assertThat(tokens.scopesOf("Bearer admin-2")).containsExactly(Scope.ADMIN);
        assertThat(tokens.scopesOf("Bearer shared")).containsExactlyInAnyOrder(Scope.CRM, Scope.READ);
        assertThat(tokens.count(Scope.ADMIN)).isEqualTo(2);
        assertThat(new ApiTokens("", " , ", null).count(Scope.READ)).isZero();
    }

    @Test
    void anythingElseCarriesNone() {
        for (String authorization : new String[] {null, "", "Bearer", "Bearer ", "Basic admin-1", "admin-1",
                "Bearer admin-1x", "Bearer admin-", "Bearer admin-1 admin-2", "Bearer admin-1,admin-2",
                "Bearer\tadmin-1", "Bearer admin-1\u0000"}) {
            assertThat(tokens.scopesOf(authorization)).as("'" + authorization + "'").isEmpty();
        }
        assertThat(new ApiTokens("", "", "").scopesOf("Bearer ")).isEmpty();
    }

    @Test
    void theSchemeIsCaseInsensitive() {
        assertThat(tokens.scopesOf("bearer admin-1")).containsExactly(Scope.ADMIN);
        assertThat(tokens.scopesOf("BEARER  admin-1 ")).containsExactly(Scope.ADMIN);
    }

    @Test
    void scopesCoverTheirApisOnly() {
        Set<Scope> read = Set.of(Scope.READ);
        Set<Scope> crm = Set.of(Scope.CRM);
        assertThat(ApiAuthentication.allows(read, HttpMethod.GET, "/api/windows/+14155550100")).isTrue();
        assertThat(ApiAuthentication.allows(read, HttpMethod.GET, "/api/files/")).isTrue();
        assertThat(ApiAuthentication.allows(read, HttpMethod.GET, "/api/notifications")).isFalse();
        assertThat(ApiAuthentication.allows(read, HttpMethod.GET, "/api/notifications/a/retry")).isFalse();
        assertThat(ApiAuthentication.allows(read, HttpMethod.HEAD, "/api/files")).isFalse();
        assertThat(ApiAuthentication.allows(crm, HttpMethod.POST, "/api/notifications")).isTrue();
        assertThat(ApiAuthentication.allows(crm, HttpMethod.POST, "/api/notifications/retry")).isFalse();
        assertThat(ApiAuthentication.allows(crm, HttpMethod.POST, "/api/notifications/crm-1/cancel")).isTrue();
        assertThat(ApiAuthentication.allows(read, HttpMethod.POST, "/api/notifications/crm-1/cancel")).isFalse();
        assertThat(ApiAuthentication.allows(crm, HttpMethod.GET, "/api/callbacks")).isFalse();
        assertThat(ApiAuthentication.allows(read, HttpMethod.GET, "/api/callbacks")).isFalse();
        assertThat(ApiAuthentication.allows(crm, HttpMethod.GET, "/api/usage")).isFalse();
        assertThat(ApiAuthentication.allows(Set.of(Scope.ADMIN), HttpMethod.DELETE, "/api/anything")).isTrue();
    }
}
