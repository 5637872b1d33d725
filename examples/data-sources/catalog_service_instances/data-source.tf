# My instances that failed to deploy.
data "catalog_service_instances" "failed" {
  status = "DeployedFailed"
}

output "failed" {
  value = { for i in data.catalog_service_instances.failed.instances : i.name => i.status_detail }
}
