package io.synod.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** A {@link WatchSink} that records what it is told and refuses offers when told to. */
final class RecordingSink implements WatchSink {
  /** One call to the sink. */
  sealed interface Call {}

  record Offer(long watchId, long revision, List<Event> events, boolean fragment) implements Call {}

  record Canceled(long watchId, long compactRevision, String reason) implements Call {}

  record Progress(long watchId, long revision) implements Call {}

  final List<Call> calls = new ArrayList<>();
  BooleanSupplier accept = () -> true;
  int refused;

  @Override
  public boolean offer(long watchId, long revision, List<Event> events, boolean fragment) {
    if (!accept.getAsBoolean()) {
      refused++;
      return false;
    }
    calls.add(new Offer(watchId, revision, List.copyOf(events), fragment));
    return true;
  }

  @Override
  public void canceled(long watchId, long compactRevision, String reason) {
    calls.add(new Canceled(watchId, compactRevision, reason));
  }

  @Override
  public void progress(long watchId, long revision) {
    calls.add(new Progress(watchId, revision));
  }

  List<Offer> offers() {
    List<Offer> out = new ArrayList<>();
    for (Call c : calls) {
      if (c instanceof Offer o) {
        out.add(o);
      }
    }
    return out;
  }

  /** Every event offered to {@code watchId}, in order. */
  List<Event> events(long watchId) {
    List<Event> out = new ArrayList<>();
    for (Offer o : offers()) {
      if (o.watchId() == watchId) {
        out.addAll(o.events());
      }
    }
    return out;
  }

  /** "PUT a=1@2"-style summaries of {@link #events}. */
  List<String> summary(long watchId) {
    List<String> out = new ArrayList<>();
    for (Event e : events(watchId)) {
      String s =
          e.type()
              + " "
              + e.kv().key().toStringUtf8()
              + (e.type() == Event.Type.PUT ? "=" + e.kv().value().toStringUtf8() : "")
              + "@"
              + e.kv().modRevision();
      if (e.prevKv().isPresent()) {
        s += " prev=" + e.prevKv().get().value().toStringUtf8();
      }
      out.add(s);
    }
    return out;
  }
}
