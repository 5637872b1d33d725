resource "catalog_plan" "custom" {
  service_id  = catalog_service.db.id
  name        = "custom"
  description = "Choose your own size"
  metadata = {
    disk_gb = {
      type      = "integer"
      alias     = "disk size (GB)"
      default   = "10"
      range_min = 1
      range_max = 100
    }
    owner = {
      type     = "string"
      optional = false
      changed  = false
    }
  }
  metering_items = [
    { item_name = "disk", specification = "custom", accumulate = ["disk_gb"] },
  ]
}
