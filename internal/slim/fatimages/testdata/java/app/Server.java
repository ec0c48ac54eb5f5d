import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.*;

public class Server {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "18090"));
        HttpServer s = HttpServer.create(new InetSocketAddress("0.0.0.0", port), 0);
        s.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            String body;
            if (path.startsWith("/hello/")) {
                body = String.format(Locale.ROOT, "Hello, %s! %s%n", path.substring(7), String.join(",", new TreeSet<>(List.of("b", "a", "c"))));
            } else {
                body = "{\"service\":\"corpus-java\",\"day\":\"" + LocalDate.of(2026, 12, 3).getDayOfWeek() + "\"}\n";
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        s.start();
        System.out.println("listening on " + port);
    }
}
