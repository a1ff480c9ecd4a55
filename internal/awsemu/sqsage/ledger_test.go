package sqsage

import (
	"testing"
	"time"
)

func TestOldestAge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(nil)
	if _, ok := l.OldestAge("q", 0, t0); ok {
		t.Fatal("an empty queue has an age")
	}
	l.Received("q", t0.Add(time.Second), ReceivedMessage{ID: "a", ReceiptHandle: "ra1", Sent: t0})
	l.Received("q", t0.Add(2*time.Second), ReceivedMessage{ID: "b", ReceiptHandle: "rb1", Sent: t0.Add(2 * time.Second)})
	if age, ok := l.OldestAge("q", 2, t0.Add(10*time.Second)); !ok || age != 10*time.Second {
		t.Errorf("age %s %v, want 10s", age, ok)
	}
	// a is received again, then deleted by its second receipt.
	l.Received("q", t0.Add(5*time.Second), ReceivedMessage{ID: "a", ReceiptHandle: "ra2", Sent: t0})
	l.Deleted("q", "ra2")
	if age, ok := l.OldestAge("q", 1, t0.Add(10*time.Second)); !ok || age != 8*time.Second {
		t.Errorf("after delete: age %s %v, want 8s", age, ok)
	}
	// b left the queue some other way (dead-lettered): the queue is empty.
	if _, ok := l.OldestAge("q", 0, t0.Add(10*time.Second)); ok {
		t.Error("a message beyond the queue's depth keeps an age")
	}
	// Of two messages in a queue of depth 1, the one received last stays.
	l.Received("q", t0.Add(3*time.Second), ReceivedMessage{ID: "old", ReceiptHandle: "r1", Sent: t0})
	l.Received("q", t0.Add(9*time.Second), ReceivedMessage{ID: "new", ReceiptHandle: "r2"})
	if age, ok := l.OldestAge("q", 1, t0.Add(10*time.Second)); !ok || age != time.Second {
		t.Errorf("trimmed: age %s %v, want 1s (no SentTimestamp: first receive)", age, ok)
	}
	if QueueName("http://127.0.0.1:4566/000000000000/rootguard-alerts") != "rootguard-alerts" {
		t.Error("QueueName")
	}
}
