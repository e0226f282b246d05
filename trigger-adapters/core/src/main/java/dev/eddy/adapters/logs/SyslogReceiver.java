package dev.eddy.adapters.logs;

import dev.eddy.adapters.AdapterException;
import dev.eddy.adapters.AtomicPublisher;
import dev.eddy.adapters.Settings;
import dev.eddy.schemas.events.Envelope;
import dev.eddy.schemas.events.LogRecord;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives syslog messages over UDP (one a datagram) and TCP (RFC 6587: octet-counted, or one a line) and publishes
 * each as a {@link LogRecord} envelope. UDP can lose messages before they arrive, as syslog over UDP always can;
 * over TCP, what arrives is published, a message at most 64 KiB.
 */
final class SyslogReceiver implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SyslogReceiver.class);
    private static final int MAX_MESSAGE = 64 * 1024;

    private final AtomicPublisher publisher;
    private final String topic;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean closing;

    private SyslogReceiver(AtomicPublisher publisher, String topic, DatagramSocket udp, ServerSocket tcp) {
        this.publisher = publisher;
        this.topic = topic;
        this.udp = udp;
        this.tcp = tcp;
    }

    /** The {@code logs.syslog} section: {@code udp: host:port}, {@code tcp: host:port}, {@code topic}. */
    static SyslogReceiver start(Settings syslog, AtomicPublisher publisher) {
        syslog.only("udp", "tcp", "topic");
        String topic = syslog.requiredText("topic", "the Kafka topic syslog messages go to");
        String udpAt = syslog.text("udp", null);
        String tcpAt = syslog.text("tcp", null);
        if (udpAt == null && tcpAt == null) {
            throw AdapterException.invalid(syslog.at("udp"), null, "an address to listen on, udp: and/or tcp:"
                    + " host:port, such as 127.0.0.1:5514");
        }
        DatagramSocket udp = null;
        ServerSocket tcp = null;
        try {
            if (udpAt != null) {
                udp = new DatagramSocket(address(syslog.at("udp"), udpAt));
            }
            if (tcpAt != null) {
                tcp = new ServerSocket();
                tcp.bind(address(syslog.at("tcp"), tcpAt));
            }
        } catch (IOException e) {
            if (udp != null) {
                udp.close();
            }
            throw new AdapterException("Cannot listen for syslog: " + e.getMessage(), e);
        }
        publisher.check(List.of(topic));
        SyslogReceiver receiver = new SyslogReceiver(publisher, topic, udp, tcp);
        if (udp != null) {
            receiver.threads.execute(receiver::receiveUdp);
        }
        if (tcp != null) {
            receiver.threads.execute(receiver::acceptTcp);
        }
        log.info("Receiving syslog on {}{} into '{}'", udp == null ? "" : "udp " + udp.getLocalSocketAddress() + " ",
                tcp == null ? "" : "tcp " + tcp.getLocalSocketAddress(), topic);
        return receiver;
    }

    int udpPort() {
        return udp.getLocalPort();
    }

    int tcpPort() {
        return tcp.getLocalPort();
    }

    private static InetSocketAddress address(String path, String text) {
        int colon = text.lastIndexOf(':');
        try {
            return new InetSocketAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw AdapterException.invalid(path, text, "host:port, such as 127.0.0.1:5514 (port 0: any free one)");
        }
    }

    private void receiveUdp() {
        byte[] buffer = new byte[MAX_MESSAGE];
        while (!closing) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                publish(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8),
                        packet.getAddress().getHostAddress());
            } catch (IOException e) {
                if (!closing) {
                    log.warn("Receiving syslog over UDP: {}", e.toString());
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void acceptTcp() {
        while (!closing) {
            try {
                Socket client = tcp.accept();
                threads.execute(() -> receiveTcp(client));
            } catch (IOException e) {
                if (!closing) {
                    log.warn("Accepting syslog over TCP: {}", e.toString());
                }
            }
        }
    }

    /** RFC 6587 framing: "<length> <message>" when the frame starts with a digit, else a message a line. */
    private void receiveTcp(Socket client) {
        String from = client.getInetAddress().getHostAddress();
        try (client; InputStream in = new BufferedInputStream(client.getInputStream())) {
            while (!closing) {
                in.mark(1);
                int first = in.read();
                if (first < 0) {
                    return;
                }
                in.reset();
                byte[] message;
                if (first >= '0' && first <= '9') {
                    int length = 0;
                    int c;
                    while ((c = in.read()) >= '0' && c <= '9') {
                        length = length * 10 + (c - '0');
                        if (length > MAX_MESSAGE) {
                            log.warn("A syslog frame from {} says {}+ bytes, over {}: the connection is closed", from,
                                    length, MAX_MESSAGE);
                            return;
                        }
                    }
                    message = in.readNBytes(length);
                } else {
                    ByteArrayOutputStream line = new ByteArrayOutputStream();
                    int c;
                    while ((c = in.read()) >= 0 && c != '\n') {
                        if (line.size() < MAX_MESSAGE) {
                            line.write(c);
                        }
                    }
                    message = line.toByteArray();
                    if (c < 0 && message.length == 0) {
                        return;
                    }
                }
                String text = new String(message, StandardCharsets.UTF_8).stripTrailing();
                if (!text.isEmpty()) {
                    publish(text, from);
                }
            }
        } catch (IOException e) {
            log.debug("A syslog connection from {} ended: {}", from, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void publish(String text, String from) throws InterruptedException {
        LogRecord record = SyslogParser.parse(text).build();
        String host = record.getHost() != null ? record.getHost() : from;
        Envelope event = Envelope.newBuilder()
                .setId(UUID.randomUUID().toString())
                .setSource("syslog://" + from)
                .setType("dev.eddy.log.syslog")
                .setTime(record.getTimestamp() != null ? record.getTimestamp() : Instant.now())
                .setSubject(record.getFields().get("app"))
                .setData(record)
                .build();
        publisher.received();
        publisher.publish(List.of(publisher.event(topic, host, event)));
    }

    @Override
    public void close() {
        closing = true;
        if (udp != null) {
            udp.close();
        }
        if (tcp != null) {
            try {
                tcp.close();
            } catch (IOException e) {
                log.debug("Closing the syslog listener: {}", e.toString());
            }
        }
        threads.shutdownNow();
    }
}
