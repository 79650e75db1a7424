package io.windowgate.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.notification.Category;
import io.windowgate.template.TemplateDefinition.InvalidTemplateException;
import org.junit.jupiter.api.Test;

/** Reading templates in the Graph API's message_templates format (the sample registry file). */
class TemplateDefinitionTest {

    private final ObjectMapper json = new ObjectMapper();

    private TemplateDefinition sample(int index) throws Exception {
        JsonNode root = json.readTree(Files.readString(Path.of("src/test/resources/samples/templates.json")));
        return TemplateDefinition.parse(root.path("data").get(index));
    }

    @Test
    void positionalBodyParametersAreCountedFromThePlaceholders() throws Exception {
        TemplateDefinition t = sample(0);
        assertThat(t.name()).isEqualTo("order_shipped");
        assertThat(t.language()).isEqualTo("en_US");
        assertThat(t.templateId()).isEqualTo("1001");
        assertThat(t.status()).isEqualTo("APPROVED");
        assertThat(t.category()).isEqualTo(Category.UTILITY);
        assertThat(t.named()).isFalse();
        assertThat(t.positionalCount()).isEqualTo(2);
        assertThat(t.needsHeaderParam()).isFalse();
        assertThat(t.buttonsNeedingParams()).isEmpty();
    }

    @Test
    void namedBodyParametersAreListed() throws Exception {
        TemplateDefinition t = sample(2);
        assertThat(t.named()).isTrue();
        assertThat(t.bodyNames()).containsExactlyInAnyOrder("first_name", "discount");
        assertThat(t.category()).isEqualTo(Category.MARKETING);
    }

    @Test
    void mediaHeadersAndButtonsWithVariablesNeedParameters() throws Exception {
        TemplateDefinition t = sample(4);
        assertThat(t.headerFormat()).isEqualTo("DOCUMENT");
        assertThat(t.needsHeaderParam()).isTrue();
        assertThat(t.buttonsNeedingParams()).containsExactly("0:URL");
        assertThat(t.positionalCount()).isEqualTo(1);
    }

    @Test
    void aTextHeaderNeedsAParameterOnlyWithAVariableAndCopyCodeButtonsAlways() throws Exception {
        TemplateDefinition t = TemplateDefinition.parse(json.readTree("""
                {"name": "otp", "language": "en", "category": "AUTHENTICATION", "components": [
                  {"type": "HEADER", "format": "TEXT", "text": "Code for {{1}}"},
                  {"type": "BODY", "text": "{{1}} is your code."},
                  {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Not me"},
                                                  {"type": "COPY_CODE", "example": "123456"}]}]}"""));
        assertThat(t.needsHeaderParam()).isTrue();
        assertThat(t.buttonsNeedingParams()).containsExactly("1:COPY_CODE");
        assertThat(t.status()).as("no status given: an exported approved template").isEqualTo("APPROVED");
        assertThat(TemplateDefinition.parse(json.readTree("""
                {"name": "plain", "language": "en", "components": [{"type": "HEADER", "format": "TEXT", "text": "Hi"},
                 {"type": "BODY", "text": "No variables."}]}""")).needsHeaderParam()).isFalse();
    }

    @Test
    void anEntryThatIsNotATemplateIsRefusedWithTheReason() {
        assertThatThrownBy(() -> TemplateDefinition.parse(json.readTree("{\"language\": \"en\"}")))
                .isInstanceOf(InvalidTemplateException.class).hasMessageContaining("'name'");
        assertThatThrownBy(() -> TemplateDefinition.parse(json.readTree(
                "{\"name\": \"x\", \"language\": \"en\", \"category\": \"SPAM\"}")))
                .hasMessageContaining("category 'SPAM' is unknown");
        assertThatThrownBy(() -> TemplateDefinition.parse(json.readTree("{\"name\": \"x\", \"language\": \"en\", "
                + "\"parameter_format\": \"NAMED\", \"components\": [{\"type\": \"BODY\", \"text\": \"{{1}}\"}]}")))
                .hasMessageContaining("NAMED");
    }

    @Test
    void aLegacyCategoryNameIsMapped() throws Exception {
        TemplateDefinition t = TemplateDefinition.parse(json.readTree(
                "{\"name\": \"x\", \"language\": \"en\", \"category\": \"SHIPPING_UPDATE\"}"));
        assertThat(t.category()).isEqualTo(Category.UTILITY);
    }
}
