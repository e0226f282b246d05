package dev.eddy.observability.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The helper behind a real JDK server, spoken to over a raw socket so that requests no HTTP client would send
 * (a malformed length, a lower-case scheme) can be sent as they are.
 */
class HttpExchangesTest {

    private static final int LIMIT = 100;

    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                try {
                    HttpExchanges.requireBearer(exchange, List.of("secret".getBytes(StandardCharsets.UTF_8),
                            "other".getBytes(StandardCharsets.UTF_8)), "ask the operator");
                    Map<String, String> query = new TreeMap<>(HttpExchanges.query(exchange));
                    byte[] body = HttpExchanges.body(exchange, LIMIT, "test.limit");
                    HttpExchanges.sendJson(exchange, 200, ("{\"query\":\"" + query + "\",\"bytes\":" + body.length
                            + "}").getBytes(StandardCharsets.UTF_8));
                } catch (HttpExchanges.Refused e) {
                    HttpExchanges.refuse(exchange, e.status(), "text/plain", e.getMessage()
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void shouldTakeTheRightTokenWhateverTheSchemesCase() throws IOException {
        assertTrue(request("POST /?a=1 HTTP/1.1", "Authorization: Bearer secret", "").startsWith("HTTP/1.1 200"));
        assertTrue(request("POST / HTTP/1.1", "Authorization: bearer other", "").startsWith("HTTP/1.1 200"));
    }

    @Test
    void shouldRefuseAMissingOrWrongTokenWith401() throws IOException {
        String missing = request("POST / HTTP/1.1", null, "");
        assertTrue(missing.startsWith("HTTP/1.1 401"), missing);
        assertTrue(missing.contains("Www-authenticate: Bearer"), missing);
        assertTrue(missing.contains("ask the operator"), missing);
        String wrong = request("POST / HTTP/1.1", "Authorization: Bearer secreT", "");
        assertTrue(wrong.startsWith("HTTP/1.1 401"), wrong);
        assertTrue(wrong.contains("invalid_token"), wrong);
        String basic = request("POST / HTTP/1.1", "Authorization: Basic c2VjcmV0", "");
        assertTrue(basic.startsWith("HTTP/1.1 401"), basic);
    }

    @Test
    void shouldAnswerAMalformedOrNegativeLengthWith400() throws IOException {
        // The JDK's server refuses a length that is not a number itself; a negative one reaches the helper.
        String malformed = raw("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\nContent-Length:"
                + " 12abc\r\n\r\n");
        assertTrue(malformed.startsWith("HTTP/1.1 400"), malformed);
        String negative = raw("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\nContent-Length:"
                + " -5\r\nConnection: close\r\n\r\n");
        assertTrue(negative.startsWith("HTTP/1.1 400"), negative);
    }

    @Test
    void shouldRefuseABodyOverTheLimitWhetherItsLengthIsDeclaredOrNot() throws IOException {
        String declared = request("POST / HTTP/1.1", "Authorization: Bearer secret", "x".repeat(LIMIT + 1));
        assertTrue(declared.startsWith("HTTP/1.1 413"), declared);
        assertTrue(declared.contains("101 bytes; at most 100 are taken (test.limit)"), declared);
        assertTrue(declared.contains("Connection: close"), declared);
        String chunk = Integer.toHexString(LIMIT + 1);
        String chunked = raw("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\nTransfer-Encoding:"
                + " chunked\r\n\r\n" + chunk + "\r\n" + "y".repeat(LIMIT + 1) + "\r\n0\r\n\r\n");
        assertTrue(chunked.startsWith("HTTP/1.1 413"), chunked);
        assertTrue(chunked.contains("more than 100 bytes"), chunked);
        String within = request("POST / HTTP/1.1", "Authorization: Bearer secret", "x".repeat(LIMIT));
        assertTrue(within.contains("\"bytes\":100"), within);
    }

    @Test
    void shouldDecodeTheQuery() throws IOException {
        String answer = request("GET /?b=%20x&a=1&flag&=ignored&a=2&c=x+y HTTP/1.1", "Authorization: Bearer secret",
                "");
        assertTrue(answer.contains("{a=2, b= x, c=x y, flag=}"), answer);
    }

    private String request(String line, String header, String body) throws IOException {
        return raw(line + "\r\nHost: x\r\n" + (header == null ? "" : header + "\r\n") + "Content-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body);
    }

    /** Sends the bytes as they are and reads the whole answer (the server closes, or the request asked it to). */
    private String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
