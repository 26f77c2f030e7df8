package com.cyberstreams.neo4jlauncher;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;

/**
 * Runs one throwaway Neo4j 5.26 (community) in this JVM for integration tests and CI.
 *
 * <p>Its one job: bring up a fresh database with Bolt on loopback and password
 * authentication on, mark it as a test server, announce it on stdout as exactly two lines
 * {@code TEST_SERVER_ID=<uuid>} then {@code BOLT_URI=bolt://127.0.0.1:PORT}, and stay up until
 * SIGTERM, when a shutdown hook closes the database (the harness then deletes its working folder).
 *
 * <p>The mark is one node {@code (:CyberstreamsTestServer {id: <uuid>})}, the uuid new at every
 * start. Go tests write to a Neo4j only after finding that node with the id they were given
 * beside the URI (kg/neo4j/neo4jtest), so a team's server, which never carries it, is never
 * wiped by a test run.
 *
 * <p>Everything else Neo4j prints goes to stderr, so a caller can read stdout for the URI alone.
 *
 * <p>Environment:
 * <ul>
 *   <li>{@code NEO4J_PASSWORD}: password for user {@code neo4j} (default {@code cyberstreams-test},
 *       at least 8 characters as Neo4j requires);</li>
 *   <li>{@code NEO4J_BOLT_PORT}: Bolt port on 127.0.0.1 (default 0: the kernel picks a free one
 *       at bind time, so two launchers never race for the same port);</li>
 *   <li>{@code NEO4J_PAGECACHE_MB}: page cache size (default 128, small on purpose for a
 *       2-core CI machine where the heap is set by the caller with -Xmx).</li>
 *   <li>{@code NEO4J_COPY_FROM}: a database folder of an earlier run to start from (its data
 *       kept, its test-server marker replaced); unset, the database starts empty.</li>
 * </ul>
 * Arguments, both optional: the folder under which the harness makes its database folder, and
 * the folder for Neo4j's own logs (debug.log), which outlives the database so that a failed CI
 * run can show it.
 */
public final class Launcher {
    /** Label of the one node that marks this server as a throwaway test server. */
    static final String MARKER_LABEL = "CyberstreamsTestServer";
    private static final String DEFAULT_PASSWORD = "cyberstreams-test";
    private static final int MIN_PASSWORD_LENGTH = 8;

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        // Keep stdout for the one BOLT_URI line; anything the database or its libraries
        // print to System.out during start or run goes to stderr instead.
        PrintStream announce = System.out;
        System.setOut(System.err);

        String password = env("NEO4J_PASSWORD", DEFAULT_PASSWORD);
        if (password.length() < MIN_PASSWORD_LENGTH) {
            fail("NEO4J_PASSWORD must have at least " + MIN_PASSWORD_LENGTH
                    + " characters (Neo4j's minimum), got " + password.length());
        }
        int boltPort = parseInt("NEO4J_BOLT_PORT", env("NEO4J_BOLT_PORT", "0"), 0, 65535);
        int pageCacheMb = parseInt("NEO4J_PAGECACHE_MB", env("NEO4J_PAGECACHE_MB", "128"), 8, 1 << 20);

        Path workDir = args.length > 0
                ? Path.of(args[0]).toAbsolutePath()
                : Path.of(System.getProperty("java.io.tmpdir"), "cyberstreams-neo4j-harness");
        Files.createDirectories(workDir);
        Path logsDir = args.length > 1 ? Path.of(args[1]).toAbsolutePath() : workDir.resolve("logs");
        Files.createDirectories(logsDir);
        long t0 = System.nanoTime();
        note("starting Neo4j under " + workDir);

        Neo4jBuilder builder = Neo4jBuilders.newInProcessBuilder(workDir);
        String copyFrom = env("NEO4J_COPY_FROM", "");
        if (!copyFrom.isEmpty()) {
            // A server restarted with its data: the database folder a killed run left behind
            // (neo4j.sh start with NEO4J_KEEP_DATA=1), recovered by Neo4j at start like after a crash.
            note("starting from the data in " + copyFrom);
            builder.copyFrom(Path.of(copyFrom));
        }
        Neo4j neo4j = builder
                // No HTTP/HTTPS server: tests use Bolt only, and every open port is one more to leak.
                .withDisabledServer()
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", boltPort))
                .withConfig(GraphDatabaseSettings.auth_enabled, true)
                // Neo4j locks a user for 5 s after 3 failed logins; parallel wrong-password
                // tests would then make right-password tests fail at random. 0 turns it off.
                .withConfig(GraphDatabaseSettings.auth_max_failed_attempts, 0)
                .withConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                // Netty's graceful shutdown waits a 2 s quiet period per Bolt event loop group,
                // which made SIGTERM take ~12 s; a throwaway test database needs no grace.
                .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5))
                .withConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(2))
                // LOAD CSV FROM 'file:///…' would let any Cypher read the machine's files
                // (dbms.security.allow_csv_import_from_file_urls).
                .withConfig(GraphDatabaseSettings.allow_file_urls, false)
                // No usage reports to Neo4j from test runs (dbms.usage_report.enabled).
                .withConfig(GraphDatabaseSettings.udc_enabled, false)
                // debug.log outside the database folder, which stop deletes.
                .withConfig(GraphDatabaseSettings.logs_directory, logsDir)
                .build();

        note(String.format("database up after %.1f s", (System.nanoTime() - t0) / 1e9));

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            note("shutting down");
            try {
                neo4j.close();
            } finally {
                stopped.countDown();
            }
        }, "neo4j-launcher-shutdown"));

        String serverId = UUID.randomUUID().toString();
        try {
            setInitialPassword(neo4j, password);
            markAsTestServer(neo4j, serverId);
        } catch (RuntimeException e) {
            note("preparing the database failed: " + e);
            System.exit(1);
        }

        int port = neo4j.boltURI().getPort();
        announce.println("TEST_SERVER_ID=" + serverId);
        announce.println("BOLT_URI=bolt://127.0.0.1:" + port);
        announce.flush();
        note(String.format("ready after %.1f s, Bolt on 127.0.0.1:%d, user neo4j", (System.nanoTime() - t0) / 1e9, port));

        // Stay up until SIGTERM/SIGINT runs the hook above.
        stopped.await();
    }

    /**
     * A fresh system database holds user neo4j with password "neo4j" that must be changed before
     * any query; set the test password here so clients log straight in and a wrong password is
     * refused like on a real server.
     */
    private static void setInitialPassword(Neo4j neo4j, String password) {
        GraphDatabaseService system =
                neo4j.databaseManagementService().database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } catch (QueryExecutionException e) {
            // A database copied from an earlier run (NEO4J_COPY_FROM) has it set already.
            if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }

    /** Creates the one marker node in the default database, before any client can connect. */
    private static void markAsTestServer(Neo4j neo4j, String serverId) {
        // A database copied from an earlier run carries that run's marker: this start replaces it,
        // so the server always holds exactly one, with the id announced below.
        neo4j.defaultDatabaseService().executeTransactionally("MATCH (m:" + MARKER_LABEL + ") DELETE m");
        neo4j.defaultDatabaseService().executeTransactionally(
                "CREATE (:" + MARKER_LABEL + " {id: $id, started: datetime()})", Map.of("id", serverId));
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }

    private static int parseInt(String name, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < min || n > max) {
                fail(name + " must be in [" + min + ", " + max + "], got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            fail(name + " must be an integer, got \"" + value + "\"");
            return -1; // unreachable
        }
    }

    /** Logs one timestamped line to stderr, which neo4j.sh keeps as the log for failure reports. */
    private static void note(String message) {
        System.err.println(java.time.Instant.now() + " neo4j-launcher: " + message);
    }

    private static void fail(String message) {
        note(message);
        System.exit(2);
    }
}
