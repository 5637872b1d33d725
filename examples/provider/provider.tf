terraform {
  required_providers {
    catalog = {
      source = "opencatalog/catalog"
    }
  }
}

# The endpoint and key may also come from CATALOG_ENDPOINT and CATALOG_API_KEY.
provider "catalog" {
  endpoint = "http://127.0.0.1:8080"
  api_key  = var.catalog_api_key
}

variable "catalog_api_key" {
  type      = string
  sensitive = true
}
