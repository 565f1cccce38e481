// Drives pgfan's PostgreSQL port (or PostgreSQL itself) with pgjdbc, as a JVM service would, and
// prints what it saw as lines of "key<TAB>value". Run by postgres-clients.test.ts as a single-file
// program: java -cp /usr/share/java/postgresql.jar JdbcClient.java URL USER
// When it prints "waiting" it waits for a line on stdin, then cancels the statement it runs.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.sql.*;
import java.util.*;

public class JdbcClient {
  static String rows(ResultSet rs) throws SQLException {
    StringBuilder out = new StringBuilder();
    int n = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      for (int i = 1; i <= n; i++) out.append(i > 1 ? "|" : "").append(rs.getString(i));
      out.append(";");
    }
    return out.toString();
  }

  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.setProperty("user", args[1]);
    try (Connection conn = DriverManager.getConnection(args[0], props)) {
      try (Statement st = conn.createStatement()) {
        st.execute("SET pgfan.partitions = 2");
      }
      // Past prepareThreshold (5) the statement is prepared on the server and its results come in binary.
      String groups = "SELECT country, count(*), sum(revenue), max(ts), min(day), bool_or(is_bot) FROM events GROUP BY country ORDER BY country COLLATE \"C\"";
      try (PreparedStatement ps = conn.prepareStatement(groups)) {
        for (int i = 1; i <= 8; i++) {
          try (ResultSet rs = ps.executeQuery()) {
            System.out.println("prepared" + i + "\t" + rows(rs));
          }
        }
      }
      try (PreparedStatement ps = conn.prepareStatement("SELECT count(*) FROM events WHERE country = ? AND flags > ?")) {
        ps.setString(1, "de");
        ps.setInt(2, 3);
        try (ResultSet rs = ps.executeQuery()) {
          System.out.println("parameters\t" + rows(rs));
        }
      }
      // A fetch size inside a transaction reads through a portal, a page at a time.
      conn.setAutoCommit(false);
      try (Statement st = conn.createStatement()) {
        st.setFetchSize(100);
        try (ResultSet rs = st.executeQuery("SELECT id FROM events ORDER BY id")) {
          int count = 0;
          long last = 0;
          while (rs.next()) {
            count++;
            last = rs.getLong(1);
          }
          System.out.println("fetched\t" + count + "|" + last);
        }
      }
      conn.commit();
      conn.setAutoCommit(true);
      try (Statement st = conn.createStatement()) {
        Thread canceller = new Thread(() -> {
          try {
            System.out.println("waiting");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in)).readLine();
            st.cancel();
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
        canceller.start();
        try {
          st.executeQuery("SELECT sum(slow(user_id, 20)) FROM events");
          System.out.println("cancel\tnot cancelled");
        } catch (SQLException e) {
          System.out.println("cancel\t" + e.getSQLState());
        }
        canceller.join();
        try (ResultSet rs = st.executeQuery("SELECT 1")) {
          System.out.println("after\t" + rows(rs));
        }
      }
    }
  }
}
