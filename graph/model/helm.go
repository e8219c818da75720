package model

import (
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/schema/gid"
)

// HelmChartVersion is one version of a chart; its default values are
// fetched only when asked for, from the repository it came from.
type HelmChartVersion struct {
	Version     string `json:"version"`
	AppVersion  string `json:"appVersion"`
	Description string `json:"description"`

	Repository *ent.ChartRepository `json:"-"`
	Chart      string               `json:"-"`
}

// HelmChart is a chart of a repository.
type HelmChart struct {
	Name        string              `json:"name"`
	Reference   string              `json:"reference"`
	Description string              `json:"description"`
	Versions    []*HelmChartVersion `json:"versions"`
}

// HelmRelease is the latest revision of a release; history, values and
// manifests are read from the cluster when asked for.
type HelmRelease struct {
	ClusterID    gid.ID     `json:"clusterID"`
	Name         string     `json:"name"`
	Namespace    string     `json:"namespace"`
	Revision     int        `json:"revision"`
	Status       string     `json:"status"`
	Chart        string     `json:"chart"`
	ChartVersion string     `json:"chartVersion"`
	AppVersion   string     `json:"appVersion"`
	Updated      *time.Time `json:"updated,omitempty"`
	Description  string     `json:"description"`

	Cluster *ent.Cluster `json:"-"`
}
