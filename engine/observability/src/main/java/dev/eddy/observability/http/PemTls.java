package dev.eddy.observability.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS from PEM files, as certificates are usually handed out (by openssl, cert-manager, Let's Encrypt): a server's
 * certificate chain and its unencrypted PKCS #8 key ({@code -----BEGIN PRIVATE KEY-----}, RSA or EC), and the
 * authority a client trusts.
 */
public final class PemTls {

    /** TLS settings that cannot be used, saying which file and why. */
    public static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private PemTls() {
    }

    /** A server's context: its certificate chain and key. */
    public static SSLContext server(Path certificate, Path key) throws Unusable {
        List<Certificate> chain = certificates(certificate);
        PrivateKey privateKey = privateKey(key);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", privateKey, new char[0], chain.toArray(Certificate[]::new));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, new char[0]);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new Unusable("The certificate " + certificate + " and key " + key + " do not make a TLS server: "
                    + e.getMessage(), e);
        }
    }

    /** A client's context that trusts the certificates in the file (an authority, or the server's own). */
    public static SSLContext trusting(Path authority) throws Unusable {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates(authority)) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new Unusable("The certificates in " + authority + " cannot be trusted: " + e.getMessage(), e);
        }
    }

    private static List<Certificate> certificates(Path file) throws Unusable {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (read.isEmpty()) {
                throw new Unusable(file + " holds no certificate (-----BEGIN CERTIFICATE-----)", null);
            }
            return new ArrayList<>(read);
        } catch (IOException e) {
            throw new Unusable("Cannot read the certificate " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new Unusable(file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file) throws Unusable {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new Unusable("Cannot read the key " + file + ": " + e.getMessage(), e);
        }
        String begin = "-----BEGIN PRIVATE KEY-----";
        int start = pem.indexOf(begin);
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < start) {
            throw new Unusable(file + " is not an unencrypted PKCS #8 key (-----BEGIN PRIVATE KEY-----); convert it"
                    + " with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem", null);
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end));
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisOne) {
                // the next algorithm
            }
        }
        throw new Unusable(file + " holds a key that is not RSA, EC or Ed25519", null);
    }
}
