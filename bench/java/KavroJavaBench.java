// The Java stack as a benchmark contestant of scripts/bench.sh: Apache Kafka's KafkaProducer/KafkaConsumer with
// Apache Avro's GenericDatumWriter/GenericDatumReader, framed as Confluent's serializers frame (magic byte 0,
// 4-byte big-endian schema id, Avro body). One contestant per process; prints one JSON line like kavro-bench.
//
//   java -cp ... KavroJavaBench list
//   java -cp ... KavroJavaBench java-produce --bootstrap B --registry URL --topic T --count N [-X k=v]...
//   java -cp ... KavroJavaBench java-consume --bootstrap B --registry URL --topic T --count N [-C k=v]...
//
// Order i is kavro-bench's order i (order_id i+1, the same products and prices), so the bytes match. The clock
// runs as in kavro-bench: from the first send to the last acknowledgement, or from the first record received to
// the last one decoded. Registration, connection and the producer id are start-up, outside the clock.

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class KavroJavaBench {
  static final String ORDER_SCHEMA = "{\"type\":\"record\",\"name\":\"Order\",\"fields\":["
      + "{\"name\":\"order_id\",\"type\":\"int\"},{\"name\":\"product\",\"type\":\"string\"},"
      + "{\"name\":\"price\",\"type\":\"float\"}]}";
  static final String[] PRODUCTS = {"Phone", "Laptop", "Tablet", "Headphones", "Monitor", "Keyboard", "Mouse", "Camera"};

  static final class Args {
    String contestant, bootstrap, registry = "http://127.0.0.1:8081", topic, group, db;
    long count = 100000;
    int pad = 0;
    double idleTimeout = 60;
    Map<String, String> x = new HashMap<>(), c = new HashMap<>();
  }

  // CPU (user, sys) of this process, every thread (GC and JIT included), from /proc/self/stat.
  static final class Sample {
    final long wallNanos = System.nanoTime();
    double user, sys;

    Sample() {
      try {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        user = Long.parseLong(f[11]) / 100.0;  // USER_HZ is 100 on Linux
        sys = Long.parseLong(f[12]) / 100.0;
      } catch (IOException | RuntimeException e) {
        user = sys = 0;
      }
    }
  }

  static long maxRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    } catch (IOException | RuntimeException e) {
      // no figure then
    }
    return 0;
  }

  static int report(Args a, String role, long messages, long bytes, Sample begin, Sample end, String note) {
    boolean ok = messages == a.count;
    System.out.printf("{\"contestant\": \"%s\", \"role\": \"%s\", \"lang\": \"Java\", \"ok\": %b, \"expected\": %d, "
            + "\"messages\": %d, \"bytes\": %d, \"seconds\": %.6f, \"cpu_user\": %.3f, \"cpu_sys\": %.3f, "
            + "\"max_rss_kb\": %d, \"note\": \"%s\"}%n",
        a.contestant, role, ok, a.count, messages, bytes, (end.wallNanos - begin.wallNanos) / 1e9,
        end.user - begin.user, end.sys - begin.sys, maxRssKb(), note);
    System.out.flush();
    if (!ok) System.err.printf("%s: moved %d of %d messages%n", a.contestant, messages, a.count);
    return ok ? 0 : 1;
  }

  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  static String http(String method, String url, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/vnd.schemaregistry.v1+json");
    b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) throw new IOException(method + " " + url + ": HTTP " + r.statusCode() + ": " + r.body());
    return r.body();
  }

  static String jsonString(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') out.append('\\').append(ch);
      else if (ch < 0x20) out.append(String.format("\\u%04x", (int) ch));
      else out.append(ch);
    }
    return out.append('"').toString();
  }

  // What Confluent's serializer does with auto.register.schemas: register under <topic>-value, use the id.
  static int register(Args a) throws IOException, InterruptedException {
    String answer = http("POST", a.registry + "/subjects/" + a.topic + "-value/versions",
        "{\"schema\": " + jsonString(ORDER_SCHEMA) + "}");
    Matcher m = Pattern.compile("\"id\"\\s*:\\s*(\\d+)").matcher(answer);
    if (!m.find()) throw new IOException("no id in the registry's answer: " + answer);
    return Integer.parseInt(m.group(1));
  }

  // What Confluent's deserializer does: the writer schema by id from the registry, cached.
  static Schema schemaById(Args a, int id, Map<Integer, Schema> cache) throws IOException, InterruptedException {
    Schema s = cache.get(id);
    if (s != null) return s;
    String answer = http("GET", a.registry + "/schemas/ids/" + id, null);
    com.fasterxml.jackson.databind.JsonNode node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer);
    s = new Schema.Parser().parse(node.get("schema").asText());
    cache.put(id, s);
    return s;
  }

  static GenericRecord order(Schema schema, long i, int pad) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("order_id", (int) (i + 1));
    r.put("product", PRODUCTS[(int) (i % 8)] + "x".repeat(pad));
    r.put("price", (float) (((i * 7919) % 100000) / 100.0));
    return r;
  }

  static int produce(Args a) throws Exception {
    Schema schema = new Schema.Parser().parse(ORDER_SCHEMA);
    int id = register(a);
    GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(schema);
    ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    BinaryEncoder enc = null;

    Properties p = new Properties();
    // Kafka's producer-tuning advice for throughput: batch more (batch.size), wait a little for a batch
    // (linger.ms, from -X as every contestant gets it). No compression, as every other contestant.
    p.put("batch.size", "131072");
    p.put("compression.type", "none");
    p.putAll(a.x);
    // Java refuses delivery.timeout.ms < linger.ms + request.timeout.ms (librdkafka does not check): with the
    // shared delivery.timeout.ms=30000 and Java's 30 s request timeout, shorten the request timeout to fit.
    if (!p.containsKey("request.timeout.ms") && p.containsKey("delivery.timeout.ms")) {
      long delivery = Long.parseLong(p.getProperty("delivery.timeout.ms"));
      long linger = Long.parseLong(p.getProperty("linger.ms", "5"));
      p.put("request.timeout.ms", String.valueOf(Math.max(1000, Math.min(30000, delivery - linger))));
    }
    p.put("bootstrap.servers", a.bootstrap);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    AtomicLong delivered = new AtomicLong(), failed = new AtomicLong();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      // The warm-up record (a distinct id, as kavro-bench's): connection, metadata, producer id.
      GenericRecord warm = order(schema, a.count, a.pad);
      buf.reset();
      buf.write(0);
      buf.write(ByteBuffer.allocate(4).putInt(id).array());
      enc = EncoderFactory.get().binaryEncoder(buf, enc);
      writer.write(warm, enc);
      enc.flush();
      producer.send(new ProducerRecord<>(a.topic, String.valueOf(a.count + 1), buf.toByteArray())).get();

      long bytes = 0;
      Sample begin = new Sample();
      for (long i = 0; i < a.count; ++i) {
        GenericRecord r = order(schema, i, a.pad);
        buf.reset();
        buf.write(0);
        buf.write((id >>> 24) & 0xff);
        buf.write((id >>> 16) & 0xff);
        buf.write((id >>> 8) & 0xff);
        buf.write(id & 0xff);
        enc = EncoderFactory.get().binaryEncoder(buf, enc);
        writer.write(r, enc);
        enc.flush();
        byte[] value = buf.toByteArray();
        String key = String.valueOf(i + 1);
        bytes += key.length() + value.length;
        producer.send(new ProducerRecord<>(a.topic, key, value), (md, err) -> {
          if (err != null) {
            if (failed.getAndIncrement() == 0) System.err.println("delivery failed: " + err);
          } else {
            delivered.incrementAndGet();
          }
        });
      }
      producer.flush();
      Sample end = new Sample();
      return report(a, "produce", delivered.get(), bytes, begin, end, "");
    }
  }

  static int consume(Args a) throws Exception {
    Properties p = new Properties();
    p.put("auto.offset.reset", "earliest");
    p.putAll(a.c);
    p.put("bootstrap.servers", a.bootstrap);
    p.put("group.id", a.group != null ? a.group : "bench-" + a.contestant + "-" + a.topic);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    Map<Integer, Schema> schemas = new HashMap<>();
    Map<Integer, GenericDatumReader<GenericRecord>> readers = new HashMap<>();
    BinaryDecoder dec = null;
    GenericRecord reuse = null;
    long messages = 0, bytes = 0, checksum = 0;
    Sample begin = null, end = null;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(a.topic));
      long last = System.nanoTime();
      while (messages < a.count && (System.nanoTime() - last) / 1e9 < a.idleTimeout) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
        for (ConsumerRecord<byte[], byte[]> m : batch) {
          if (messages == 0) begin = new Sample();
          byte[] v = m.value();
          if (v == null || v.length < 5 || v[0] != 0) throw new IOException("not a Confluent frame at offset " + m.offset());
          int id = ByteBuffer.wrap(v, 1, 4).getInt();
          GenericDatumReader<GenericRecord> reader = readers.get(id);
          if (reader == null) {
            reader = new GenericDatumReader<>(schemaById(a, id, schemas));
            readers.put(id, reader);
          }
          dec = DecoderFactory.get().binaryDecoder(v, 5, v.length - 5, dec);
          reuse = reader.read(reuse, dec);
          checksum += (Integer) reuse.get("order_id");  // the no-op handler still reads the record
          messages++;
          bytes += (m.key() == null ? 0 : m.key().length) + v.length;
          if (messages == a.count) {
            end = new Sample();
            break;  // the topic may hold more (a producer's warm-up record): count exactly what was asked
          }
        }
        if (!batch.isEmpty()) last = System.nanoTime();
      }
    }
    if (end == null) end = new Sample();
    if (begin == null) begin = end;
    return report(a, "consume", messages, bytes, begin, end, checksum == 0 ? "" : "");
  }

  public static void main(String[] argv) throws Exception {
    if (argv.length < 1) {
      System.err.println("usage: KavroJavaBench list | java-produce | java-consume [options]");
      System.exit(2);
    }
    Args a = new Args();
    a.contestant = argv[0];
    if (a.contestant.equals("list")) {
      System.out.println("java-produce\tproduce\tApache Kafka's KafkaProducer + Avro GenericDatumWriter (Java)");
      System.out.println("java-consume\tconsume\tApache Kafka's KafkaConsumer + Avro GenericDatumReader, no-op handler (Java)");
      return;
    }
    List<String> rest = new ArrayList<>(List.of(argv).subList(1, argv.length));
    for (int i = 0; i < rest.size(); ++i) {
      String k = rest.get(i), v = i + 1 < rest.size() ? rest.get(i + 1) : null;
      if (v == null) throw new IllegalArgumentException("option " + k + " needs a value");
      switch (k) {
        case "-b", "--bootstrap" -> a.bootstrap = v;
        case "-r", "--registry" -> a.registry = v;
        case "-t", "--topic" -> a.topic = v;
        case "-n", "--count" -> a.count = Long.parseLong(v);
        case "-g", "--group" -> a.group = v;
        case "--db" -> a.db = v;
        case "--pad" -> a.pad = Integer.parseInt(v);
        case "--idle-timeout" -> a.idleTimeout = Double.parseDouble(v);
        case "-X", "-C" -> {
          int eq = v.indexOf('=');
          if (eq <= 0) throw new IllegalArgumentException("expected key=value, got " + v);
          (k.equals("-X") ? a.x : a.c).put(v.substring(0, eq), v.substring(eq + 1));
        }
        default -> throw new IllegalArgumentException("unknown option " + k);
      }
      ++i;
    }
    if (a.bootstrap == null || a.topic == null) throw new IllegalArgumentException("--bootstrap and --topic are required");
    int rc = switch (a.contestant) {
      case "java-produce" -> produce(a);
      case "java-consume" -> consume(a);
      default -> throw new IllegalArgumentException("unknown contestant " + a.contestant);
    };
    System.exit(rc);
  }
}
