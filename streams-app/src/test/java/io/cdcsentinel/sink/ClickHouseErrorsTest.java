package io.cdcsentinel.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.ClientException;
import com.clickhouse.client.api.ConnectionInitiationException;
import com.clickhouse.client.api.ServerException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClickHouseErrorsTest {

    @ParameterizedTest
    @ValueSource(ints = {3, 159, 164, 202, 203, 209, 210, 216, 225, 241, 242, 252, 285, 319, 394, 425, 439, 473, 999, 1002})
    void shouldRetryTheListedServerCodes(int code) {
        assertThat(ClickHouseErrors.isRetriable(new ServerException(code, "Code: " + code, 500))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 27, 36, 47, 53, 60, 62, 81, 117, 192, 497, 516})
    void shouldNotRetryErrorsThatWouldRepeat(int code) {
        // NO_SUCH_COLUMN_IN_TABLE, CANNOT_PARSE_INPUT_ASSERTION_FAILED, BAD_ARGUMENTS, UNKNOWN_IDENTIFIER,
        // TYPE_MISMATCH, UNKNOWN_TABLE, SYNTAX_ERROR, UNKNOWN_DATABASE, INCORRECT_DATA, UNKNOWN_USER,
        // ACCESS_DENIED, AUTHENTICATION_FAILED
        assertThat(ClickHouseErrors.isRetriable(new ServerException(code, "Code: " + code, 500))).isFalse();
    }

    @Test
    void shouldRetryWhenTheServerCannotBeReached() {
        Exception e = new ConnectionInitiationException("Query request failed", new ConnectException("Connection refused"));
        assertThat(ClickHouseErrors.isRetriable(e)).isTrue();
    }

    @Test
    void shouldRetryTimeoutsWrappedByTheClientOrItsFuture() {
        Exception e = new ExecutionException(new ClientException("read failed", new SocketTimeoutException("Read timed out")));
        assertThat(ClickHouseErrors.isRetriable(e)).isTrue();
    }

    @Test
    void shouldFallBackToTheHttpStatusForServersThatSendNoErrorCode() {
        // ClickHouse 18.16: no X-ClickHouse-Exception-Code header, so client-v2 reports code 0
        assertThat(ClickHouseErrors.isRetriable(new ServerException(0, "Code: 0. <Unreadable error message>", 500))).isTrue();
        assertThat(ClickHouseErrors.isRetriable(new ServerException(0, "Code: 0. <Unreadable error message>", 503))).isTrue();
        assertThat(ClickHouseErrors.isRetriable(new ServerException(0, "Code: 0. <Unreadable error message>", 404))).isFalse();
        assertThat(ClickHouseErrors.isRetriable(new ServerException(0, "Code: 0. <Unreadable error message>", 400))).isFalse();
        assertThat(ClickHouseErrors.isRetriable(new ServerException(0, "Code: 0. <Unreadable error message>", 401))).isFalse();
    }

    @Test
    void shouldNotRetryProgrammingErrors() {
        assertThat(ClickHouseErrors.isRetriable(new IllegalArgumentException("bad"))).isFalse();
    }

    @Test
    void shouldDescribeAServerErrorByCodeAndName() {
        assertThat(ClickHouseErrors.describe(new RuntimeException(new ServerException(252, "Code: 252. Too many parts\nstack", 500))))
                .isEqualTo("ClickHouse error 252 TOO_MANY_PARTS (HTTP 500): Code: 252. Too many parts");
    }

    @Test
    void shouldDescribeAnIoFailureByItsRootCause() {
        assertThat(ClickHouseErrors.describe(new ConnectionInitiationException("failed", new ConnectException("Connection refused"))))
                .isEqualTo("ConnectException: Connection refused");
    }
}
