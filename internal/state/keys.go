package state

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"time"

	"go.etcd.io/bbolt"
)

// APIKey is an API key created at run time, or the remembered part of a template key. Value
// is secret: String and LogValue leave it out.
type APIKey struct {
	ID           string            `json:"id"`
	Name         string            `json:"name,omitempty"`
	Description  string            `json:"description,omitempty"`
	Value        string            `json:"value"`
	Enabled      bool              `json:"enabled"`
	CreatedAt    time.Time         `json:"createdDate"`
	UpdatedAt    time.Time         `json:"lastUpdatedDate"`
	StageKeys    []string          `json:"stageKeys,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
	FromTemplate bool              `json:"fromTemplate,omitempty"`
}

// String describes the key without its value.
func (k APIKey) String() string {
	return fmt.Sprintf("API key %s (%q, enabled %t)", k.ID, k.Name, k.Enabled)
}

// GoString is String, so %#v does not print the value either.
func (k APIKey) GoString() string { return k.String() }

// LogValue makes slog log the key without its value.
func (k APIKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("name", k.Name), slog.Bool("enabled", k.Enabled))
}

func (k APIKey) clone() APIKey {
	k.StageKeys = slices.Clone(k.StageKeys)
	k.Tags = maps.Clone(k.Tags)
	return k
}

// PutKey implements Keys.
func (s *Store) PutKey(k APIKey) error {
	if k.ID == "" {
		return fmt.Errorf("state: API key without an id: %w", ErrInvalid)
	}
	k = k.clone()
	s.kmu.Lock()
	defer s.kmu.Unlock()
	if k.Value != "" {
		for id, other := range s.keys {
			if id != k.ID && other.Value == k.Value {
				return fmt.Errorf("state: API key %s has the same value as API key %s: %w", k.ID, id, ErrConflict)
			}
		}
	}
	if s.db != nil {
		v, err := json.Marshal(k)
		if err != nil {
			return fmt.Errorf("state: API key %s: %w", k.ID, err)
		}
		if err := s.db.Update(func(tx *bbolt.Tx) error {
			return tx.Bucket(bKeys).Put([]byte(k.ID), v)
		}); err != nil {
			return fmt.Errorf("state: saving API key %s: %w", k.ID, err)
		}
	}
	s.keys[k.ID] = k
	return nil
}

// DeleteKey implements Keys.
func (s *Store) DeleteKey(id string) error {
	s.kmu.Lock()
	defer s.kmu.Unlock()
	if _, ok := s.keys[id]; !ok {
		return fmt.Errorf("state: API key %s: %w", id, ErrNotFound)
	}
	var plans []string
	for planID, set := range s.planKeys {
		if _, ok := set[id]; ok {
			plans = append(plans, planID)
		}
	}
	if s.db != nil {
		if err := s.db.Update(func(tx *bbolt.Tx) error {
			for _, planID := range plans {
				if b := tx.Bucket(bPlanKeys).Bucket([]byte(planID)); b != nil {
					if err := b.Delete([]byte(id)); err != nil {
						return err
					}
				}
			}
			return tx.Bucket(bKeys).Delete([]byte(id))
		}); err != nil {
			return fmt.Errorf("state: deleting API key %s: %w", id, err)
		}
	}
	for _, planID := range plans {
		s.removePlanKey(planID, id)
	}
	delete(s.keys, id)
	return nil
}

// Keys implements Keys.
func (s *Store) Keys() []APIKey {
	s.kmu.RLock()
	defer s.kmu.RUnlock()
	out := make([]APIKey, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, k.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Key returns the key with the given ID.
func (s *Store) Key(id string) (APIKey, bool) {
	s.kmu.RLock()
	defer s.kmu.RUnlock()
	k, ok := s.keys[id]
	return k.clone(), ok
}

// PutPlanKey implements Keys.
func (s *Store) PutPlanKey(planID, keyID string) error {
	if planID == "" || keyID == "" {
		return fmt.Errorf("state: usage plan key %q:%q: %w", keyID, planID, ErrInvalid)
	}
	s.kmu.Lock()
	defer s.kmu.Unlock()
	if _, ok := s.planKeys[planID][keyID]; ok {
		return nil
	}
	if s.db != nil {
		if err := s.db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.Bucket(bPlanKeys).CreateBucketIfNotExists([]byte(planID))
			if err != nil {
				return err
			}
			return b.Put([]byte(keyID), nil)
		}); err != nil {
			return fmt.Errorf("state: saving usage plan key %s:%s: %w", keyID, planID, err)
		}
	}
	set := s.planKeys[planID]
	if set == nil {
		set = map[string]struct{}{}
		s.planKeys[planID] = set
	}
	set[keyID] = struct{}{}
	return nil
}

// DeletePlanKey implements Keys.
func (s *Store) DeletePlanKey(planID, keyID string) error {
	s.kmu.Lock()
	defer s.kmu.Unlock()
	if _, ok := s.planKeys[planID][keyID]; !ok {
		return fmt.Errorf("state: usage plan key %s:%s: %w", keyID, planID, ErrNotFound)
	}
	if s.db != nil {
		if err := s.db.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bPlanKeys).Bucket([]byte(planID))
			if b == nil {
				return nil
			}
			if err := b.Delete([]byte(keyID)); err != nil {
				return err
			}
			if k, _ := b.Cursor().First(); k == nil {
				return tx.Bucket(bPlanKeys).DeleteBucket([]byte(planID))
			}
			return nil
		}); err != nil {
			return fmt.Errorf("state: deleting usage plan key %s:%s: %w", keyID, planID, err)
		}
	}
	s.removePlanKey(planID, keyID)
	return nil
}

// removePlanKey drops a membership from memory. s.kmu is held.
func (s *Store) removePlanKey(planID, keyID string) {
	set := s.planKeys[planID]
	delete(set, keyID)
	if len(set) == 0 {
		delete(s.planKeys, planID)
	}
}

// PlanKeys implements Keys.
func (s *Store) PlanKeys(planID string) []string {
	s.kmu.RLock()
	defer s.kmu.RUnlock()
	out := slices.Collect(maps.Keys(s.planKeys[planID]))
	sort.Strings(out)
	return out
}

// GeneratedValueLength is the length of generated API key values (as AWS's).
const GeneratedValueLength = 40

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// GeneratedValue returns the value of the template API key logicalID, which has no Value in
// the template: generated once (40 random alphanumeric characters from crypto/rand) and kept
// in the store, so it stays the same across reloads and restarts.
func (s *Store) GeneratedValue(logicalID string) (string, error) {
	if logicalID == "" {
		return "", fmt.Errorf("state: generated API key value without a logical id: %w", ErrInvalid)
	}
	s.kmu.RLock()
	v, ok := s.generated[logicalID]
	s.kmu.RUnlock()
	if ok {
		return v, nil
	}
	s.kmu.Lock()
	defer s.kmu.Unlock()
	if v, ok := s.generated[logicalID]; ok {
		return v, nil
	}
	v, err := randomValue(GeneratedValueLength)
	if err != nil {
		return "", fmt.Errorf("state: generating the value of API key %s: %w", logicalID, err)
	}
	if s.db != nil {
		if err := s.db.Update(func(tx *bbolt.Tx) error {
			return tx.Bucket(bGenerated).Put([]byte(logicalID), []byte(v))
		}); err != nil {
			return "", fmt.Errorf("state: saving the value of API key %s: %w", logicalID, err)
		}
	}
	s.generated[logicalID] = v
	return v, nil
}

// randomValue returns n characters drawn uniformly from alphanumeric.
func randomValue(n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			// 248 = 4*62: rejecting the bytes above keeps the draw uniform.
			if b < 248 && len(out) < n {
				out = append(out, alphanumeric[b%62])
			}
		}
	}
	return string(out), nil
}
