data "catalog_service" "db" {
  service_id  = "service-0123456789abcdef0123"
  show_detail = "ServiceStatistic"
}

output "deployed_instances" {
  value = data.catalog_service.db.statistic.deployed_service_instance_count
}
