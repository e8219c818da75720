package scheduler

import (
	"sync"
	"time"

	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
)

// EventType says what changed.
type EventType string

// Event types.
const (
	// EventAppChanged: created, updated, scaled, or its status changed.
	EventAppChanged EventType = "APP_CHANGED"
	// EventAppDeleted: the application and all its tasks are gone.
	EventAppDeleted EventType = "APP_DELETED"
	// EventTaskChanged: a task was launched, changed state or health, or
	// ended (Task.Removed).
	EventTaskChanged EventType = "TASK_CHANGED"
	// EventDeploymentChanged: started, paused, resumed or ended
	// (Deployment.Result).
	EventDeploymentChanged EventType = "DEPLOYMENT_CHANGED"
	// EventResync: this instance became the leader; consumers should
	// re-read the lists, since events of the previous leader may be lost.
	EventResync EventType = "RESYNC"
)

// Event reports one change made while this instance leads (the datawatch
// does not use them: it reads ZooKeeper and the master, which works on any
// replica). Like Marathon's events they may repeat, and a consumer should
// treat them as invalidation and take the state they carry as the latest
// known.
type Event struct {
	Type       EventType         `json:"type"`
	Time       time.Time         `json:"time"`
	Cluster    string            `json:"cluster"`
	App        spec.Ref          `json:"app"`
	AppStatus  *AppStatus        `json:"appStatus,omitempty"`
	Task       *TaskStatus       `json:"task,omitempty"`
	Deployment *DeploymentStatus `json:"deployment,omitempty"`
}

// broker fans events out to subscribers without ever blocking the
// publisher: each subscriber has its own queue drained by a goroutine, so a
// slow consumer delays only itself and loses nothing.
type broker struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	ch    chan Event
	mu    sync.Mutex
	queue []Event
	wake  chan struct{}
	done  chan struct{}
}

func newBroker() *broker { return &broker{subs: map[*subscriber]struct{}{}} }

func (b *broker) subscribe() (<-chan Event, func()) {
	s := &subscriber{ch: make(chan Event), wake: make(chan struct{}, 1), done: make(chan struct{})}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	go s.pump()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, s)
			b.mu.Unlock()
			close(s.done)
		})
	}
}

func (b *broker) publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.mu.Lock()
		s.queue = append(s.queue, ev)
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

func (s *subscriber) pump() {
	defer close(s.ch)
	for {
		s.mu.Lock()
		q := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, ev := range q {
			select {
			case s.ch <- ev:
			case <-s.done:
				return
			}
		}
		select {
		case <-s.wake:
		case <-s.done:
			return
		}
	}
}
