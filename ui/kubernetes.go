package ui

import (
	"charm.land/huh/v2"

	"prosody-wizard/config"
)

// The questions of deploy: kubernetes, asked on the deployment page once
// the cluster is chosen: what the kustomize base needs to know about the
// cluster. Their keys are the answers file's names, so that the review's
// problems lead back to them and the preview highlights what they made.

// kubernetesStep asks about the cluster: the image, the namespace, the
// XMPP Service's type, the data volume's storage class and whether to
// write an Ingress.
var kubernetesStep = step{
	title:       "Your cluster",
	description: "The base runs one Prosody pod; its data folder is on a volume, its certificate from cert-manager.",
	when:        func(d *draft) bool { return d.Deploy == config.DeployKubernetes },
	fields: func(d *draft, series config.Series) []huh.Field {
		return []huh.Field{
			huh.NewInput().Key("kubernetes.image").Title("Image").
				Description("Build it from the repo's Dockerfile and push it to your registry, e.g. registry.example.org/prosody:" + string(series)).
				Placeholder("(" + config.DefaultImage(series) + ")").Value(&d.KubeImage).Validate(validOptional(&d.KubeImage, config.ImageProblem)),
			huh.NewInput().Key("kubernetes.namespace").Title("Namespace").Description("Where every object of the base goes").
				Placeholder("(" + config.DefaultNamespace + ")").Value(&d.KubeNamespace).Validate(validNamespace(d)),
			huh.NewSelect[string]().Key("kubernetes.service").Title("XMPP Service type").
				Description("How clients and other servers reach the XMPP ports").
				Options(
					huh.NewOption("LoadBalancer: an address of the cluster's own", config.ServiceLoadBalancer),
					huh.NewOption("NodePort: a port on every node", config.ServiceNodePort),
				).Value(&d.KubeService),
			huh.NewInput().Key("kubernetes.storage_class").Title("Storage class").Description("For the data volume").
				Placeholder("(the cluster's default)").Value(&d.KubeStorageClass).Validate(validOptional(&d.KubeStorageClass, config.ClassProblem)),
			huh.NewConfirm().Key("kubernetes.ingress").Title("Ingress").
				Description("Write an Ingress for the web side (file sharing, web clients)? Without one, route yours to the Service prosody-http.").
				Affirmative("Yes").Negative("No").Value(&d.KubeIngress),
		}
	},
}

// ingressClassStep asks for the Ingress's class, when there is one.
var ingressClassStep = step{
	title: "Ingress",
	when:  func(d *draft) bool { return d.Deploy == config.DeployKubernetes && d.KubeIngress },
	fields: func(d *draft, _ config.Series) []huh.Field {
		return []huh.Field{huh.NewInput().Key("kubernetes.ingress_class").Title("Ingress class").
			Description("The ingressClassName, e.g. nginx or traefik").Placeholder("(the cluster's default)").
			Value(&d.KubeIngressClass).Validate(validOptional(&d.KubeIngressClass, config.ClassProblem))}
	},
}

// validOptional checks an optional answer with config's check for it;
// empty (or "-") is the default.
func validOptional(current *string, problem func(string) string) func(string) error {
	return check(current, func(s string) string { return problem(opt(s)) })
}

// validNamespace checks the namespace as validation sees it: in lower
// case (config's Normalize lowers it).
func validNamespace(d *draft) func(string) error {
	return validOptional(&d.KubeNamespace, func(s string) string { return config.NamespaceProblem(config.NormalizeNamespace(s)) })
}

// applyKubernetes sets the answers of deploy: kubernetes from the draft,
// and none for another deployment (validation refuses them there). The
// Service type the select shows for an empty answer (LoadBalancer, the
// default) stays empty, so that editing a file keeps it as it was.
func (d *draft) applyKubernetes(a *config.Answers, base config.Answers) {
	a.Kubernetes = config.Kubernetes{}
	if d.Deploy != config.DeployKubernetes {
		return
	}
	a.Kubernetes = config.Kubernetes{
		Namespace:    opt(d.KubeNamespace),
		Image:        opt(d.KubeImage),
		Service:      d.KubeService,
		Ingress:      d.KubeIngress,
		StorageClass: opt(d.KubeStorageClass),
	}
	if d.KubeIngress {
		a.Kubernetes.IngressClass = opt(d.KubeIngressClass)
	}
	if d.KubeService == config.ServiceLoadBalancer && base.Kubernetes.Service == "" {
		a.Kubernetes.Service = ""
	}
}

// defaultTURN is the TURN host the wizard suggests, as config.Parse
// defaults it (config.DefaultTURNHostFor).
func defaultTURN(deploy, primary string) string { return config.DefaultTURNHostFor(deploy, primary) }
