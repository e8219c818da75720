package kubewatch

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeobj "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

// A pod as a Deployment's ReplicaSet and a kubelet leave it: managed
// fields from three managers, environment, probes, volumes, conditions.
func fullPod(i int) *corev1.Pod {
	now := metav1.Now()
	yes := true
	fields := func(m string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: m, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &now,
			FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"0b7c\"}":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:env":{".":{},"k:{\"name\":\"MODE\"}":{".":{},"f:name":{},"f:value":{}}},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{},"f:resources":{},"f:terminationMessagePath":{}}},"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{}}}`)}}
	}
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 10}
	c := corev1.Container{Name: "web", Image: "nginx:1.25", Env: []corev1.EnvVar{{Name: "MODE", Value: "production"}, {Name: "LOG_LEVEL", Value: "info"}},
		Ports: []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}, LivenessProbe: probe, ReadinessProbe: probe,
		Resources:              corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}},
		VolumeMounts:           []corev1.VolumeMount{{Name: "kube-api-access", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
		TerminationMessagePath: "/dev/termination-log", ImagePullPolicy: corev1.PullIfNotPresent}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-7d9f8b6c5d-%05d", i), Namespace: "shop", UID: "6f1c2d3e-aaaa-bbbb-cccc-000000000000",
			ResourceVersion: fmt.Sprint(1000 + i), GenerateName: "web-7d9f8b6c5d-", CreationTimestamp: now,
			Labels:          map[string]string{"app": "web", "pod-template-hash": "7d9f8b6c5d"},
			Annotations:     map[string]string{"kubectl.kubernetes.io/restartedAt": now.Format("2006-01-02T15:04:05Z")},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f8b6c5d", UID: "0b7c", Controller: &yes}},
			ManagedFields:   []metav1.ManagedFieldsEntry{fields("kube-controller-manager"), fields("kube-scheduler"), fields("kubelet")}},
		Spec: corev1.PodSpec{NodeName: "kwok-node-1", Containers: []corev1.Container{c}, ServiceAccountName: "default",
			Volumes:     []corev1.Volume{{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{}}}},
			Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.7", HostIP: "192.0.2.1", StartTime: &now,
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}, {Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "web", Ready: true, RestartCount: 2, Image: "nginx:1.25", ImageID: "docker-pullable://nginx@sha256:0123", ContainerID: "containerd://abcd"}}},
	}
}

// TestTrimKeepsWhatProjectReads: the transform may drop anything but what
// BCS stores, for every watched kind.
func TestTrimKeepsWhatProjectReads(t *testing.T) {
	pod := fullPod(1)
	gone := pod.DeepCopy()
	gone.DeletionTimestamp = &metav1.Time{}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: pod.Spec}
	meta := pod.ObjectMeta
	meta.Annotations = map[string]string{"deployment.kubernetes.io/revision": "3", corev1.LastAppliedConfigAnnotation: "{…}"}
	two := int32(2)
	objects := []runtimeobj.Object{
		pod, gone,
		&appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Replicas: &two, Template: tmpl}, Status: appsv1.DeploymentStatus{ReadyReplicas: 1, UpdatedReplicas: 2, AvailableReplicas: 1}},
		&appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Replicas: &two, Template: tmpl}},
		&appsv1.DaemonSet{ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{Template: tmpl}, Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 3}},
		&appsv1.ReplicaSet{ObjectMeta: meta, Spec: appsv1.ReplicaSetSpec{Replicas: &two, Template: tmpl}},
		&batchv1.Job{ObjectMeta: meta, Spec: batchv1.JobSpec{Template: tmpl}},
		&batchv1.CronJob{ObjectMeta: meta, Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"node-role.kubernetes.io/worker": ""}, ManagedFields: meta.ManagedFields},
			Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}}},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
				Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.0.2.1"}}, NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.37.2"},
				Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")}, Images: []corev1.ContainerImage{{Names: []string{"nginx:1.25"}, SizeBytes: 1 << 20}}}},
		&corev1.Namespace{ObjectMeta: meta, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
		&corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.9", Ports: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP}}}},
		&corev1.Event{ObjectMeta: meta, Type: "Normal", Reason: "Pulled", Message: "pulled", Count: 2, InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web"}},
	}
	for _, obj := range objects {
		wantRow, wantStored := project(obj.DeepCopyObject())
		trimmed, err := trim(obj.DeepCopyObject())
		if err != nil {
			t.Fatal(err)
		}
		gotRow, gotStored := project(trimmed.(runtimeobj.Object))
		if !reflect.DeepEqual(gotRow, wantRow) || !reflect.DeepEqual(gotStored, wantStored) {
			t.Errorf("%T: project after trim = %+v %v, before %+v %v", obj, gotRow, gotStored, wantRow, wantStored)
		}
		if m, ok := trimmed.(metav1.Object); ok && (m.GetManagedFields() != nil || m.GetAnnotations()[corev1.LastAppliedConfigAnnotation] != "") {
			t.Errorf("%T kept managed fields or the last applied configuration", obj)
		}
	}
}

// BenchmarkInformerBytesPerPod: heap held by a pod informer's cache per
// pod, with the transform and without.
func BenchmarkInformerBytesPerPod(b *testing.B) {
	const pods = 2000
	objs := make([]runtimeobj.Object, pods)
	for i := range objs {
		objs[i] = fullPod(i)
	}
	for _, tc := range []struct {
		name string
		opts []informers.SharedInformerOption
	}{{"full", nil}, {"trimmed", []informers.SharedInformerOption{informers.WithTransform(trim)}}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				client := fake.NewClientset(objs...)
				before := heap()
				factory := informers.NewSharedInformerFactoryWithOptions(client, 0, tc.opts...)
				inf := factory.Core().V1().Pods().Informer()
				ctx, cancel := context.WithCancel(context.Background())
				factory.Start(ctx.Done())
				cache.WaitForCacheSync(ctx.Done(), inf.HasSynced)
				if n := len(inf.GetStore().List()); n != pods {
					b.Fatalf("cache holds %d pods", n)
				}
				b.ReportMetric(float64(heap()-before)/pods, "B/pod")
				cancel()
				factory.Shutdown()
				runtime.KeepAlive(client)
			}
		})
	}
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
