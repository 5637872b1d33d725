variable "name" {
  description = "The service's name, as the catalog lists it."
  type        = string
}

variable "short_description" {
  description = "One line that says what the service is."
  type        = string
  default     = ""
}

variable "locale" {
  description = "The locale of the name and description."
  type        = string
  default     = "en-US"
}

variable "supplier_name" {
  description = "Who supplies the service."
  type        = string
  default     = ""
}

variable "share_type" {
  description = "null for a private service (this tenant only); \"Public\" to submit it to the platform admins for every tenant."
  type        = string
  default     = null
}

variable "status" {
  description = "The desired status: Online (published), Offline or Draft."
  type        = string
  default     = "Online"
}

variable "tags" {
  description = "Tags of the service."
  type        = map(string)
  default     = {}
}

variable "broker" {
  description = "The Open Service Broker that provisions the service's instances. service_name picks one of its offerings (null when it has one)."
  type = object({
    url          = string
    username     = string
    service_name = optional(string)
  })
}

variable "broker_password" {
  description = "The broker's password. Write-only: it reaches the catalog and no plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "broker_password_version" {
  description = "Raise it to send a new broker_password."
  type        = number
  default     = 1
}

variable "plans_yaml" {
  description = "An AOS Plans YAML document (the Plans: block of a service package), for example file(\"plans.yaml\")."
  type        = string
}
