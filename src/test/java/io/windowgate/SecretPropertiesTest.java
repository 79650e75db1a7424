package io.windowgate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretPropertiesTest {

    @Test
    void namesWithTokenSecretOrPasswordAreSecretInAnyCase() {
        assertThat(SecretProperties.isSecret("whatsapp.app-secret")).isTrue();
        assertThat(SecretProperties.isSecret("whatsapp.webhook.verify-token")).isTrue();
        assertThat(SecretProperties.isSecret("some.new.Refresh-Token")).isTrue();
        assertThat(SecretProperties.isSecret("smtp.PASSWORD")).isTrue();
    }

    @Test
    void secretsWithoutThoseWordsAreNamed() {
        assertThat(SecretProperties.isSecret("crm.poll.auth-value")).isTrue();
    }

    @Test
    void otherSettingsAreNot() {
        assertThat(SecretProperties.isSecret("crm.poll.auth-header")).isFalse();
        assertThat(SecretProperties.isSecret("crm.max-body-bytes")).isFalse();
        assertThat(SecretProperties.isSecret("whatsapp.api-base-url")).isFalse();
    }

    @Test
    void camelComparesTheLastPartWithoutDashes() {
        assertThat(SecretProperties.camelMaskedPart("crm.poll.auth-value")).isEqualTo("authvalue");
        assertThat(SecretProperties.camelMaskedPart("whatsapp.webhook.verify-token")).isEqualTo("verifytoken");
    }
}
