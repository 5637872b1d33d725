# My services.
data "catalog_services" "mine" {
  owner = "self"
}

# Everything I can order that a broker provisions.
data "catalog_services" "orderable" {
  deploy_type = "spi"
  status      = "Online"
}

output "my_service_ids" {
  value = [for s in data.catalog_services.mine.services : s.service_id]
}
