package interop;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The Java side of the interop scenarios. Every endpoint answers JSON with the trace id it saw, so a test can
 * look the trace up in Zipkin:
 *   GET  /java/hello              answers
 *   GET  /java/call?url=URL       calls URL (a Node service) with RestClient
 *   POST /java/publish?topic=T    sends the body (or "hello") to T with KafkaTemplate
 *   GET  /java/received           what the listener on ${app.listen-topic} got: trace id, headers, value
 *   GET  /java/fail               throws (unhandled error)
 */
@SpringBootApplication
@RestController
public class InteropApp {

  private static final Logger log = LoggerFactory.getLogger(InteropApp.class);

  private final RestClient http;
  private final KafkaTemplate<String, String> kafka;
  private final Tracer tracer;
  private final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();

  public InteropApp(RestClient.Builder builder, KafkaTemplate<String, String> kafka, Tracer tracer) {
    this.http = builder.build();
    this.kafka = kafka;
    this.tracer = tracer;
  }

  public static void main(String[] args) {
    SpringApplication.run(InteropApp.class, args);
  }

  private Map<String, Object> ids() {
    Map<String, Object> m = new LinkedHashMap<>();
    Span span = tracer.currentSpan();
    m.put("traceId", span == null ? null : span.context().traceId());
    m.put("spanId", span == null ? null : span.context().spanId());
    return m;
  }

  /** The trace headers a request came with (names as sent), to check which propagation format arrived. */
  private static Map<String, String> traceHeaders(Map<String, String> headers) {
    Map<String, String> m = new LinkedHashMap<>();
    headers.forEach((k, v) -> {
      String n = k.toLowerCase(java.util.Locale.ROOT);
      if (n.equals("traceparent") || n.equals("tracestate") || n.equals("b3") || n.startsWith("x-b3-")) m.put(k, v);
    });
    return m;
  }

  @GetMapping("/java/hello")
  public Map<String, Object> hello(@RequestHeader Map<String, String> headers) {
    log.info("hello answered");
    Map<String, Object> m = ids();
    m.put("service", "java");
    m.put("headers", traceHeaders(headers));
    return m;
  }

  @GetMapping("/java/call")
  public Map<String, Object> call(@RequestParam("url") String url) {
    log.info("calling {}", url);
    String body = http.get().uri(url).retrieve().body(String.class);
    Map<String, Object> m = ids();
    m.put("body", body);
    return m;
  }

  @PostMapping("/java/publish")
  public Map<String, Object> publish(@RequestParam("topic") String topic,
      @RequestBody(required = false) String body) throws Exception {
    String value = body == null || body.isEmpty() ? "hello" : body;
    log.info("publishing to {}", topic);
    var result = kafka.send(topic, value).get(30, TimeUnit.SECONDS);
    Map<String, Object> m = ids();
    m.put("partition", result.getRecordMetadata().partition());
    m.put("offset", result.getRecordMetadata().offset());
    return m;
  }

  @KafkaListener(topics = "${app.listen-topic}", groupId = "${app.group}")
  public void onRecord(ConsumerRecord<String, String> record) {
    Map<String, Object> m = ids();
    Map<String, String> headers = new LinkedHashMap<>();
    for (Header h : record.headers()) {
      headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
    }
    m.put("topic", record.topic());
    m.put("value", record.value());
    m.put("headers", headers);
    received.add(m);
    log.info("received {}", record.value());
  }

  @GetMapping("/java/received")
  public List<Map<String, Object>> received() {
    return received;
  }

  @GetMapping("/java/fail")
  public String fail() {
    throw new IllegalStateException("boom");
  }
}
