# The quickstart: publish a service whose plans come from an AOS Plans YAML file, then order
# an instance of it. `make demo` runs it against a local catalogd and the sample broker; any
# catalog and any Open Service Broker will do.
terraform {
  required_version = ">= 1.11"
  required_providers {
    catalog = {
      source  = "opencatalog/catalog"
      version = ">= 0.1.0"
    }
  }
}

# The endpoint and API key come from CATALOG_ENDPOINT and CATALOG_API_KEY.
provider "catalog" {}

variable "broker_url" {
  description = "The Open Service Broker that provisions the instances."
  type        = string
  default     = "http://127.0.0.1:8090"
}

variable "broker_password" {
  description = "The broker's password. Ephemeral and write-only: it is in no plan and no state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

# The supplier's side: a private service, provisioned by the broker (deploy_type "spi"),
# published at once (status defaults to "Online").
resource "catalog_service" "db" {
  deploy_type   = "spi"
  service_type  = "private"
  version_name  = "v1"
  supplier_name = "Platform team"
  categories    = "Database"
  service_infos = [
    {
      locale            = "en-US"
      name              = "Team database"
      short_description = "An SQLite database per team"
    },
    {
      locale            = "zh-CN"
      name              = "团队数据库"
      short_description = "每个团队一个数据库"
    },
  ]
  tags = { team = "platform" }

  broker = {
    url                 = var.broker_url
    username            = "broker"
    password_wo         = var.broker_password
    password_wo_version = 1 # raise it to send a new password
    service_name        = "sample-sqlite"
  }
}

# The plans, as an AOS service package writes them. The catalog checks each one against the
# broker's catalog.
resource "catalog_plan" "all" {
  for_each = { for p in provider::catalog::plans_from_yaml(file("${path.module}/plans.yaml")) : p.name => p }

  service_id       = catalog_service.db.id
  name             = each.value.name
  description      = each.value.description
  metadata         = each.value.metadata
  blueprint        = each.value.blueprint
  metering_items   = each.value.metering_items
  broker_plan_name = each.value.broker_plan_name
}

# The consumer's side: an instance of the plan "custom", where the purchaser sets the values.
# The catalog checks the parameters at plan time; the broker provisions the instance.
resource "catalog_service_instance" "team_a" {
  name       = "team-a-db"
  service_id = catalog_service.db.id
  plan_name  = catalog_plan.all["custom"].name
  parameters = {
    owner   = "team-a"
    disk_gb = "20"
  }

  timeouts = {
    create = "10m"
  }
}

output "service_id" {
  value = catalog_service.db.id
}

output "plans" {
  description = "Each plan's resolved blueprint."
  value       = { for name, p in catalog_plan.all : name => p.blueprint_id }
}

output "instance" {
  value = {
    id         = catalog_service_instance.team_a.id
    status     = catalog_service_instance.team_a.status
    parameters = catalog_service_instance.team_a.parameters
  }
}

output "database_file" {
  description = "Where the sample broker put the instance's SQLite database."
  value       = jsondecode(catalog_service_instance.team_a.outputs["metadata"]).attributes.database
}
